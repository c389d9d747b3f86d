import Foundation
import GBatchyCSQLite
import GBatchy

/// The SQL side of one table loader: its identifiers, its statement (built after checking the schema, and again after
/// the schema changed), and the query of one batch.
///
/// `Sendable`: its identifiers are constants and the built statement sits behind a lock.
final class TableSource<Key: SQLiteKey, Row: Sendable>: Sendable {
    /// The statements of this loader, built from the schema.
    struct Statement: Sendable, Equatable {
        /// The join, which answers every batch whose keys are bound as one JSON array.
        let sql: String
        /// The join's result columns, for the form that binds one value per key (``valuesSQL(length:)``).
        let selectList: String
        /// What follows the keys in the join: the table, the join condition, the order.
        let joinTail: String
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

        /// The join with `length` keys bound one value each, in the order of the batch:
        /// `SELECT … FROM (SELECT column1 AS "key", column2 AS "value" FROM (VALUES (0, ?), (1, ?), …)) AS "k" JOIN
        /// "users" AS "t" ON "t"."handle" = +"k"."value"`. Each row has its key's position, as the JSON form's rows do.
        func valuesSQL(length: Int) -> String {
            var sql = "SELECT \(selectList) FROM (SELECT column1 AS \"key\", column2 AS \"value\" FROM (VALUES "
            sql.reserveCapacity(sql.utf8.count + length * 12 + joinTail.utf8.count + 8)
            for position in 0..<length {
                sql += position == 0 ? "(0,?)" : ",(\(position),?)"
            }
            return sql + ")) AS \"k\"" + joinTail
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
    /// The columns `Row` reads, or `nil` to select every column of the table.
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
        self.columns = reader.columns
    }

    /// The rows of `keys`, each with the index in `keys` of the key it matched, in the order of the query; and, by
    /// index, the keys that failed before any query (none since every key value can be bound, issue #11).
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
        if let values = batch.values {
            return try queryValues(statement, values, sent, on: connection, rediscover: rediscover)
        }
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

    /// Runs the batch's join with one bound value per key (``Statement/valuesSQL(length:)``): in chunks of at most
    /// ``KeyBinding/longestLength`` keys, each padded with `NULL` (which matches no row) to the next of
    /// ``KeyBinding/paddedLengths``, so that a connection caches a few statements per loader whatever the batch sizes.
    /// Every chunk runs in the batch's read transaction, in the snapshot of the batch.
    private func queryValues(
        _ statement: Statement,
        _ values: [SQLiteValue],
        _ sent: [Int],
        on connection: SQLiteSourceConnection,
        rediscover: Bool
    ) throws -> Rows {
        let (table, readRows) = (table, reader.readRows)
        var rows: [(index: Int, row: Row)] = []
        var failures: [Int: any Error] = [:]
        var schemaVersion = statement.schemaVersion
        var start = 0
        while start < values.count {
            let end = min(start + KeyBinding.longestLength, values.count)
            let length = KeyBinding.paddedLength(end - start)
            var bound = Array(values[start..<end])
            bound.append(contentsOf: repeatElement(.null, count: length - bound.count))
            let chunkSent = Array(sent[start..<end])
            let read = try connection.withCachedStatement(statement.valuesSQL(length: length)) { prepared in
                try prepared.bind(bound, keyCount: chunkSent.count, table: table)
                let read = try readRows(prepared, statement.positionIndex, chunkSent, nil)
                schemaVersion = try prepared.compiledSchemaVersion()
                return read
            }
            rows += read.rows
            failures.merge(read.failures) { first, _ in first }
            start = end
        }
        guard schemaVersion != statement.schemaVersion else { return (rows, failures) }
        let current = try builtStatement(from: schema(on: connection))
        self.statement.withLock { $0 = current }
        guard rediscover, !current.hasSameSQL(as: statement) else { return (rows, failures) }
        return try queryValues(current, values, sent, on: connection, rediscover: false)
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
        let selectList = selected.joined(separator: ", ")
        var joinTail = " JOIN \(sqlIdentifier(table)) AS \"t\" ON \(qualified(key)) = +\"k\".\"value\""
        var ordered: Ordered?
        if let order {
            let direction = descending ? " DESC" : ""
            // By key position first, so that each key's rows are one run; within a key, by `orderBy`.
            joinTail += " ORDER BY \"k\".\"key\", \(qualified(order))\(direction)"
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
            sql: "SELECT \(selectList) FROM \(keysSchema).json_each(?) AS \"k\"" + joinTail,
            selectList: selectList,
            joinTail: joinTail,
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

/// How a table's key column compares values: from its declared type and collation.
struct KeyColumnInfo: Sendable, Equatable {
    /// Whether the column's collation is `BINARY`.
    let isBinary: Bool
    /// Whether the column's affinity (from its declared type) is `TEXT` or `BLOB`, which convert no text key to
    /// a number.
    let keepsText: Bool
}

/// A key type whose ``SQLiteKey/init(sqliteKeyValue:)`` reads a key column value back as exactly the key that was
/// bound, when the column compares as `BINARY` without converting text: the library's own key types.
protocol SQLiteExactKey {}

extension Int: SQLiteExactKey {}
extension Int64: SQLiteExactKey {}
extension UUID: SQLiteExactKey {}
extension SQLiteTextKey: SQLiteExactKey {}
extension Optional: SQLiteExactKey where Wrapped: SQLiteExactKey {}

extension SQLiteSourceConnection {
    /// The `main` schema version (`PRAGMA schema_version`), which SQLite changes with every schema change.
    ///
    /// Read with a statement of its own, not cached and not in the query log: a table loader reads it only when it
    /// builds its statement, and when SQLite prepared or re-prepared that statement.
    ///
    /// - Returns: The version.
    /// - Throws: ``SQLiteSourceError``.
    func schemaVersion() throws -> Int64 {
        let sql = "PRAGMA main.schema_version"
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw error(code: prepared, sql: sql) }
        let stepped = sqlite3_step(statement)
        guard stepped == SQLITE_ROW else { throw error(code: stepped, sql: sql) }
        return sqlite3_column_int64(statement, 0)
    }

    /// How `column` of `table` compares values, from its declared type and collation; `nil` when SQLite cannot say
    /// (no such column, or a view's computed column).
    func keyColumnInfo(table: String, column: String) -> KeyColumnInfo? {
        var declaredType: UnsafePointer<CChar>?
        var collation: UnsafePointer<CChar>?
        guard
            sqlite3_table_column_metadata(handle, nil, table, column, &declaredType, &collation, nil, nil, nil)
                == SQLITE_OK
        else { return nil }
        let type = declaredType.map { String(cString: $0).uppercased() } ?? ""
        // SQLite's affinity rules, in their order: INT, then CHAR/CLOB/TEXT, then BLOB or no type.
        let keepsText =
            !type.contains("INT")
            && (type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") || type.contains("BLOB")
                || type.isEmpty)
        let isBinary = collation.map { String(cString: $0).uppercased() == "BINARY" } ?? true
        return .init(isBinary: isBinary, keepsText: keepsText)
    }
}

/// How a table loader binds the keys of a batch.
///
/// A batch binds one JSON array for `json_each`, one statement whatever its size: `gbatchy-bench --keys` measured it
/// as fast as padded `IN` lists, padded `VALUES` lists and a temporary table at 1 to 300,000 keys (padding wastes
/// what a list saves, and a long `IN` list can turn SQLite to a full scan). A batch with a key JSON cannot carry
/// exactly (text containing NUL, a `Data` blob) binds one value per key instead, in a `VALUES` list
/// (``TableSource/Statement/valuesSQL(length:)``), which carries every value exactly.
enum KeyBinding {
    /// The lengths a `VALUES` list is padded to: each loader caches at most this many `VALUES` statements.
    static let paddedLengths = [1, 8, 64, 512, 4096]
    /// The most keys one `VALUES` statement binds; a longer batch runs in chunks (far below SQLite's 32,766
    /// parameters).
    static var longestLength: Int { paddedLengths[paddedLengths.count - 1] }

    /// The padded length that holds `count` keys (at most ``longestLength``).
    static func paddedLength(_ count: Int) -> Int {
        paddedLengths.first { $0 >= count } ?? longestLength
    }
}
