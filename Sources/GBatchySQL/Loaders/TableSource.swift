import Foundation
import GBatchyCSQLite
import GBatchy

/// The SQL side of one table loader: its identifiers, its statement (built after checking the schema, and again after
/// the schema changed), and the query of one batch.
///
/// `Sendable`: its identifiers are constants and the built statement sits behind a lock.
final class TableSource<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable {
    /// The statements of this loader, built from the schema.
    struct Statement: Sendable, Equatable {
        /// The join, which answers every batch.
        let sql: String
        /// The index of the result column that holds the position of the matched key in the bound JSON array.
        let positionIndex: Int32
        /// For a group loader with an `orderBy`, where it is exact: the `IN` form, which the key column's index
        /// answers in order without sorting.
        let ordered: Ordered?
        /// The `main` schema version the statement was built from (read no later than the columns). A batch whose
        /// statement ran with another version discovers the columns again before answering.
        let schemaVersion: Int64

        /// Whether `other` sends the same SQL, whatever schema version each was built from.
        func hasSameSQL(as other: Statement) -> Bool {
            sql == other.sql && positionIndex == other.positionIndex && ordered == other.ordered
        }
    }

    /// The rows a batch read, each with the index in the batch of its key, and by index the keys whose rows failed
    /// to decode.
    typealias Rows = (rows: [(index: Int, row: Row)], failures: [Int: any Error])

    /// The `IN` form of a group loader with an `orderBy`: `WHERE "t"."key" IN (SELECT +value FROM json_each(?))
    /// ORDER BY "t"."key", "t"."orderBy"`, each row matched back to its key by the key column's value.
    ///
    /// The join must sort its rows to order each key's run; this form needs no sort when an index starts with the
    /// key column. Matching by value is exact only where a row's key column value equals exactly one bound key, and
    /// reads back as that key: a `BINARY` key column, keys of the library's own types (``SQLiteKey/sqliteIdentity``
    /// reads back byte for byte), integer keys, or text keys on a column of `TEXT` or `BLOB` affinity (no number
    /// conversion). Any other batch uses the join.
    struct Ordered: Sendable, Equatable {
        let sql: String
        /// The index of the key column in the result.
        let keyIndex: Int32
        /// Whether text keys are exact too (the key column has `TEXT` or `BLOB` affinity).
        let acceptsText: Bool
    }

    let database: SQLiteSource
    let table: String
    let keyColumn: String
    let orderBy: String?
    let descending: Bool
    /// The columns `Row` decodes, or `nil` to select every column of the table.
    private let columns: [DecodedColumn]?
    private let statement = Locked<Statement?>(nil)
    /// The schema `json_each` is called through: `main`, or `temp` while `main` holds an object named `json_each`,
    /// which would shadow the function. Checked again after a query fails to prepare.
    private let keysSchema = Locked("main")
    let reader: RowReader<Key, Row>

    init(
        database: SQLiteSource,
        table: String,
        keyColumn: String,
        orderBy: String?,
        descending: Bool,
        reader: RowReader<Key, Row>
    ) {
        self.database = database
        self.reader = reader
        self.table = table
        self.keyColumn = keyColumn
        self.orderBy = orderBy
        self.descending = descending
        self.columns = decodedColumns(Row.self)
    }

    /// The rows of `keys`, each with the index in `keys` of the key it matched, in the order of the query; and, by
    /// index, the keys that failed before any query (NUL in text).
    ///
    /// `nil` keys never match and are not sent. No query runs when no key is left.
    ///
    /// A row that fails to decode fails only the key it matched (each key it matched), with its
    /// ``ColumnDecodingError``: the other keys of the batch get their rows.
    func fetch(_ keys: [Key]) async throws -> Rows {
        let batch = reader.encodeKeys(keys, orderBy != nil)
        var failures = batch.failures
        for (index, failure) in failures {
            if let error = failure as? TableLoaderError {
                failures[index] = error.located(table: table, column: keyColumn)
            }
        }
        guard !batch.sent.isEmpty else { return ([], failures) }
        let statement = try await checkedStatement()
        let read: Rows
        do {
            read = try await run(statement, batch, keys)
        } catch let error as SQLiteSourceError where error.resultCode == .error || error.resultCode == .schema {
            // The statement failed to prepare or its schema changed: check the schema again, then retry once if the
            // statement changed (an optional column was dropped, an object named json_each appeared), or fail every
            // key with the ``SchemaError`` (a needed column was dropped). Other errors (busy, corrupt, I/O, full)
            // say nothing of the schema, and fail the batch as they are.
            let rebuilt = try await rebuiltStatement(after: error, failed: statement)
            read = try await run(rebuilt, batch, keys)
        }
        // The keys that failed before the query were not sent, so no row failure is theirs.
        if !read.failures.isEmpty { failures.merge(read.failures) { before, _ in before } }
        return (read.rows, failures)
    }

    private func run(_ statement: Statement, _ batch: EncodedKeys, _ keys: [Key]) async throws -> Rows {
        do {
            return try await database.read { connection in
                try self.query(statement, batch, keys, on: connection, rediscover: true)
            }
        } catch let error as TableLoaderError {
            throw error.located(table: table, column: keyColumn)
        }
    }

    /// Runs the batch's query on `connection`, inside its read transaction.
    ///
    /// When the statement ran with another schema version than it was built from (a column was added, renamed or
    /// dropped since), the columns are discovered again in the same transaction, and with `rediscover` the batch is
    /// run again with the rebuilt statement if its SQL differs: an optional column that came back is read again, in
    /// the snapshot of the batch's rows.
    private func query(
        _ statement: Statement,
        _ batch: EncodedKeys,
        _ keys: [Key],
        on connection: SQLiteSourceConnection,
        rediscover: Bool
    ) throws -> Rows {
        let (table, readRows, sent, json) = (table, reader.readRows, batch.sent, batch.json)
        var sql = statement.sql
        var resultColumn = statement.positionIndex
        var keyIndexes: [Key: Int]?
        if let ordered = statement.ordered, Key.self is any SQLiteExactKey.Type,
            batch.allIntegers || (batch.allText && ordered.acceptsText)
        {
            sql = ordered.sql
            resultColumn = ordered.keyIndex
            keyIndexes = Dictionary(sent.map { (keys[$0], $0) }, uniquingKeysWith: { first, _ in first })
        }
        func read(_ sql: String, _ resultColumn: Int32, _ keyIndexes: [Key: Int]?) throws -> (RowsRead<Row>, Int64) {
            try connection.withCachedStatement(sql) { prepared in
                try prepared.bind([.text(json)], keyCount: sent.count, table: table)
                let rows = try readRows(prepared, resultColumn, sent, keyIndexes)
                return (rows, try prepared.compiledSchemaVersion())
            }
        }
        var (rows, schemaVersion) = try read(sql, resultColumn, keyIndexes)
        if rows.isUnmatched {
            // The ordered form met a row whose key column does not read back as a key of the batch: the join, which
            // gives each row the position of its key, answers exactly.
            (rows, schemaVersion) = try read(statement.sql, statement.positionIndex, nil)
        }
        guard schemaVersion != statement.schemaVersion else { return (rows.rows, rows.failures) }
        let current = try builtStatement(from: schema(on: connection))
        self.statement.withLock { $0 = current }
        guard rediscover, !current.hasSameSQL(as: statement) else { return (rows.rows, rows.failures) }
        return try query(current, batch, keys, on: connection, rediscover: false)
    }

    /// The statement, checking the schema on first use. A failed check is not remembered: the next batch checks
    /// again, so a table created later is found.
    private func checkedStatement() async throws -> Statement {
        if let statement = statement.withLock({ $0 }) { return statement }
        let built = try await buildFromSchema()
        statement.withLock { $0 = built }
        return built
    }

    private func buildFromSchema() async throws -> Statement {
        // SQLite reads names up to a NUL character: the check would find the table of the truncated name.
        guard !table.contains("\0") else { throw SchemaError.unknownTable(table) }
        // A group loader with an `orderBy` also reads how its key column compares, for the `IN` form: in one read
        // transaction with the columns. The statement is built after the read, which then ends normally.
        guard readsKeyColumnInfo else {
            return try builtStatement(from: await database.readOutsideTransaction { try self.schema(on: $0) })
        }
        return try builtStatement(from: await database.read { try self.schema(on: $0) })
    }

    /// Whether the statement's `IN` form needs how the key column compares.
    private var readsKeyColumnInfo: Bool { orderBy != nil && !keyColumn.contains("\0") }

    /// What the statement is built from, as `connection` reads it: the table's columns (`nil` when there is no such
    /// table), how the key column compares, and the schema version, read first: never newer than the columns (equal
    /// to theirs inside a read transaction), so that a change in between is seen at the next batch.
    private func schema(on connection: SQLiteSourceConnection) throws -> Schema {
        let version = try connection.schemaVersion()
        let columns = try connection.tableColumns(table)
        let info = readsKeyColumnInfo ? connection.keyColumnInfo(table: table, column: keyColumn) : nil
        return Schema(version: version, columns: columns, keyColumnInfo: info)
    }

    /// The statement built from `schema`, or a ``SchemaError``.
    private func builtStatement(from schema: Schema) throws -> Statement {
        guard let existing = schema.columns else { throw SchemaError.unknownTable(table) }
        return try build(
            existing: existing,
            keysSchema: keysSchema.withLock { $0 },
            keyColumnInfo: schema.keyColumnInfo,
            schemaVersion: schema.version
        )
    }

    /// The part of the schema a loader's statement is built from.
    private struct Schema: Sendable {
        let version: Int64
        let columns: [String]?
        let keyColumnInfo: KeyColumnInfo?
    }

    /// After a failed query: the statement rebuilt from the current schema when it differs from the one that
    /// failed; otherwise throws a ``SchemaError`` (the schema no longer has what the loader needs) or `error`.
    /// A failed check is not remembered, so the next batch checks the schema again.
    private func rebuiltStatement(after error: SQLiteSourceError, failed: Statement) async throws -> Statement {
        statement.withLock { $0 = nil }
        // A statement that fails to prepare fails with SQLITE_ERROR; the check's own failure leaves `error` to tell.
        if error.resultCode == .error, let shadowed = try? await mainShadowsJSONEach() {
            keysSchema.withLock { $0 = shadowed ? "temp" : "main" }
        }
        let rebuilt = try await buildFromSchema()
        guard !rebuilt.hasSameSQL(as: failed) else { throw error }
        statement.withLock { $0 = rebuilt }
        return rebuilt
    }

    /// Whether the `main` schema holds a table or view named `json_each`, which `main.json_each(?)` would name
    /// instead of the function.
    private func mainShadowsJSONEach() async throws -> Bool {
        let sql =
            "SELECT count(*) FROM main.sqlite_schema WHERE type IN ('table', 'view')"
            + " AND name = 'json_each' COLLATE NOCASE"
        return try await database.query(sql, as: Int.self).first ?? 0 > 0
    }

    /// Builds the statement from the table's real columns, or throws ``SchemaError``.
    ///
    /// The keys are bound as one JSON array and joined with the table, the key column on the left of `=` so that
    /// its collation decides what matches, and the key as `+"k"."value"`, which has no affinity, as a bound parameter
    /// has not (`json_each`'s column would have `BLOB` affinity, and a `TEXT` column would then never equal the
    /// integer 7): `SELECT "t"."id", "t"."handle", "k"."key" FROM main.json_each(?) AS "k" JOIN "users" AS "t"
    /// ON "t"."handle" = +"k"."value"` matches what `WHERE "handle" = ?` matches. The last column is each row's key
    /// position, so a row goes to exactly the key SQLite matched it with, and two keys the collation equates (`'Ann'`
    /// and `'ann'` under `NOCASE`) both get it. SQLite walks the array and searches the key column's index for each
    /// element. A group loader with an `orderBy` also gets the ordered `IN` form (``Ordered``) where it is exact.
    func build(
        existing: [String],
        keysSchema: String,
        keyColumnInfo: KeyColumnInfo?,
        schemaVersion: Int64
    ) throws -> Statement {
        func real(_ name: String) -> String? {
            // No real column contains NUL; Foundation's comparison would match one to a name cut at the NUL.
            guard !name.contains("\0") else { return nil }
            return existing.first { $0.caseInsensitiveCompare(name) == .orderedSame }
        }
        func require(_ name: String, role: String) throws -> String {
            guard let column = real(name) else {
                throw SchemaError.unknownColumn(name, role: role, table: table, existingColumns: existing)
            }
            return column
        }
        let key = try require(keyColumn, role: "the key column")
        let order = try orderBy.map { try require($0, role: "the orderBy column") }

        // Every column is qualified with the table's alias: SQLite reads a lone double-quoted name that matches no
        // column as a string literal, so after a column is dropped `"bio"` would silently select the text 'bio',
        // where `"t"."bio"` fails to prepare and the loader reports the drift. The aliases are the loader's own, so
        // no table name can clash with them.
        func qualified(_ name: String) -> String { "\"t\".\(sqlIdentifier(name))" }

        var selected: [String] = []
        var keyIndex: Int?
        if let columns {
            for column in columns {
                guard let name = real(column.name) else {
                    if column.isOptional { continue }  // decodes as nil
                    throw SchemaError.unknownColumn(
                        column.name,
                        role: "decoded by \(Row.self)",
                        table: table,
                        existingColumns: existing
                    )
                }
                if name == key, keyIndex == nil { keyIndex = selected.count }
                selected.append(
                    name == column.name ? qualified(name) : "\(qualified(name)) AS \(sqlIdentifier(column.name))"
                )
            }
        } else {
            selected = existing.map(qualified)
            keyIndex = existing.firstIndex(of: key)
        }
        let rowColumns = selected
        // Last, so that the row's own columns keep their positions and names come first when decoding.
        let positionIndex = selected.count
        selected.append("\"k\".\"key\"")
        var sql =
            "SELECT \(selected.joined(separator: ", ")) FROM \(keysSchema).json_each(?) AS \"k\""
            + " JOIN \(sqlIdentifier(table)) AS \"t\" ON \(qualified(key)) = +\"k\".\"value\""
        var ordered: Ordered?
        if let order {
            let direction = descending ? " DESC" : ""
            // By key position first, so that each key's rows are one run; within a key, by `orderBy`.
            sql += " ORDER BY \"k\".\"key\", \(qualified(order))\(direction)"
            if let keyColumnInfo, keyColumnInfo.isBinary {
                var selected = rowColumns
                if keyIndex == nil {
                    keyIndex = selected.count
                    selected.append(qualified(key))
                }
                ordered = Ordered(
                    sql: "SELECT \(selected.joined(separator: ", ")) FROM \(sqlIdentifier(table)) AS \"t\" WHERE "
                        + "\(qualified(key)) IN (SELECT +value FROM \(keysSchema).json_each(?)) "
                        + "ORDER BY \(qualified(key)), \(qualified(order))\(direction)",
                    keyIndex: Int32(keyIndex ?? 0),
                    acceptsText: keyColumnInfo.keepsText
                )
            }
        }
        return Statement(
            sql: sql,
            positionIndex: Int32(positionIndex),
            ordered: ordered,
            schemaVersion: schemaVersion
        )
    }
}

/// `name` as an SQL identifier: in double quotes, with embedded double quotes doubled.
func sqlIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
