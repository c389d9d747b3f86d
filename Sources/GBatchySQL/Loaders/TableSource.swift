import Foundation
import GBatchyCSQLite
import GBatchy
import GBatchySQLCore

/// The SQL side of one table loader: its identifiers, its statement (built after checking the schema, and again after
/// the schema changed), and the query of one batch.
///
/// `Sendable`: its identifiers are constants and the built statement sits behind a lock.
final class TableSource<Key: SQLiteKey, Row: Sendable>: Sendable {
    /// The statements of this loader, built from the schema.
    struct Statement: Sendable, Equatable {
        /// The join, which answers every batch whose keys are bound as one JSON array.
        let sql: String
        /// The index of the result column that holds the position of the matched key in the bound JSON array.
        let positionIndex: Int32
        /// For a group loader with an `orderBy`, where it is exact: the `IN` form, which the key column's index
        /// answers in order without sorting.
        let ordered: Ordered?
        /// The `main` schema version the statement was built from (read no later than the columns). A batch whose
        /// statement ran with another version discovers the columns again before answering.
        let schemaVersion: Int64
        /// The values bound after the keys (a shaped loader's filter values and limit).
        var values: [SQLiteValue] = []
        /// The index of the result column that holds each row's primary key, for identity priming; `nil` when the
        /// table has no single-column primary key.
        var identityIndex: Int32?
        /// The primary key column that ``identityIndex`` reads.
        var primaryKey: String?
        /// The row's columns as selected (qualified), first in every result, for the list query of a by-key loader.
        var rowColumns: [String] = []
        /// The table's real columns, which a list query's `orderBy` is checked against.
        var existingColumns: [String] = []
        /// For a page loader: how many values its cursors hold (the `orderBy` value and the tie-break's).
        var cursorWidth = 0
        /// The statement for the form that binds one row of values per key (``valuesSQL(length:)``): the SQL
        /// around its keys' table, and that table's columns.
        var valuesForm: ValuesForm?

        /// The SQL before and after the keys' table `"k"` of the `VALUES` form, and the columns of that table after
        /// `"key"` (each key's position): `"value"` for a one-column key; `"p0"`, `"p1"`… for the parts of a
        /// composite key, which the statement matches with `"t"."a" = +"k"."p0" AND …`; `"p0"` and `"value"` for a
        /// page request, its key and the JSON `[null, first, cursor]` (``SQLiteMultiValueKey``).
        struct ValuesForm: Sendable, Equatable {
            let prefix: String
            let suffix: String
            let columns: [String]

            /// Splits `marked`, the statement built with a NUL character for its keys' table (no checked name,
            /// filter or table holds one), or `nil` unless the marker appears exactly once.
            init?(marked: String, columns: [String] = ["value"]) {
                let parts = marked.components(separatedBy: "\0")
                guard parts.count == 2 else { return nil }
                prefix = parts[0]
                suffix = parts[1]
                self.columns = columns
            }
        }

        /// Whether `other` sends the same SQL, whatever schema version each was built from.
        func hasSameSQL(as other: Statement) -> Bool {
            sql == other.sql && positionIndex == other.positionIndex && ordered == other.ordered
        }

        /// The statement with `length` keys bound one value each (one per column of the ``valuesForm``), in the
        /// order of the batch, before the values bound after the keys: `SELECT … FROM (SELECT column1 AS "key",
        /// column2 AS "value" FROM (VALUES (0,?),(1,?),…)) AS "k" JOIN "users" AS "t" ON "t"."handle" =
        /// +"k"."value"`. Each row has its key's position, as the JSON form's rows do. `nil` without a
        /// ``valuesForm``.
        func valuesSQL(length: Int) -> String? {
            guard let valuesForm else { return nil }
            var sql = valuesForm.prefix + "(SELECT column1 AS \"key\""
            for (offset, column) in valuesForm.columns.enumerated() {
                sql += ", column\(offset + 2) AS \(sqlIdentifier(column))"
            }
            sql += " FROM (VALUES "
            let row = String(repeating: ",?", count: valuesForm.columns.count) + ")"
            sql.reserveCapacity(sql.utf8.count + length * (row.utf8.count + 7) + valuesForm.suffix.utf8.count + 8)
            for position in 0..<length {
                sql += (position == 0 ? "(" : ",(") + String(position) + row
            }
            return sql + ")) AS \"k\"" + valuesForm.suffix
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
        /// The index of the primary key column in the result, for identity priming.
        var identityIndex: Int32?
    }

    let database: SQLiteSource
    let table: String
    let keyColumn: String
    /// The columns of a composite key, in the order of each key's JSON array (``SQLiteCompositeKey``), or `[]` for
    /// a one-column key; `keyColumn` then only names them in errors.
    let compositeKeyColumns: [String]
    let orderBy: String?
    let descending: Bool
    /// What the statement asks beyond the plain key match (a filter, a limit, a join table, an aggregate).
    let shape: LoaderShape
    /// Whether the statement answers pages (``PageLoader``): each key's rows after its cursor, at most its size + 1.
    let pages: Bool
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
        compositeKeyColumns: [String] = [],
        orderBy: String?,
        descending: Bool,
        shape: LoaderShape = LoaderShape(),
        pages: Bool = false,
        reader: RowReader<Key, Row>
    ) {
        self.database = database
        self.shape = shape
        self.reader = reader
        self.table = table
        self.keyColumn = keyColumn
        self.compositeKeyColumns = compositeKeyColumns
        self.orderBy = orderBy
        self.descending = descending
        self.pages = pages
        self.columns = reader.columns
    }

    /// The rows of `keys`, each with the index in `keys` of the key it matched, in the order of the query; and, by
    /// index, the keys that failed before any query. A batch with a key JSON cannot carry exactly (text containing
    /// NUL, a blob, or a composite key or page request with such a part) binds one row of values per key instead
    /// (``Statement/valuesForm``).
    ///
    /// `nil` keys never match and are not sent. No query runs when no key is left.
    ///
    /// A row that fails to decode fails only the key it matched (each key it matched), with its
    /// ``ColumnDecodingError``: the other keys of the batch get their rows.
    func fetch(_ keys: [Key]) async throws -> Rows {
        var batch = reader.encodeKeys(keys, orderBy != nil, true)
        guard !batch.sent.isEmpty else { return ([], located(batch.failures)) }
        try shape.check(table: table)
        let statement = try await checkedStatement()
        if batch.values != nil, statement.valuesForm == nil {
            // A statement with no `VALUES` form: the keys JSON cannot carry fail alone.
            batch = reader.encodeKeys(keys, orderBy != nil, false)
            guard !batch.sent.isEmpty else { return ([], located(batch.failures)) }
        }
        var failures = located(batch.failures)
        let read: Read
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

    /// `failures` with each ``TableLoaderError`` naming this loader's table and key column.
    private func located(_ failures: [Int: any Error]) -> [Int: any Error] {
        failures.mapValues { ($0 as? TableLoaderError)?.located(table: table, column: keyColumn) ?? $0 }
    }

    /// The rows a batch read, with the primary key of each row when identity priming asked for it.
    typealias Read = (rows: [(index: Int, row: Row)], failures: [Int: any Error], identities: [SQLiteValue])

    private func run(_ statement: Statement, _ batch: EncodedKeys, _ keys: [Key]) async throws -> Read {
        let primers = identityPrimers(of: statement)
        let primes = !primers.isEmpty
        do {
            let read = try await database.read { connection in
                try self.query(statement, batch, keys, primes: primes, on: connection, rediscover: true)
            }
            // Here, in the batch's task, where the context is bound (not on the connection's thread).
            for primer in primers { primer.primeRows(read.identities, read.rows) }
            return read
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
        primes: Bool,
        on connection: SQLiteSourceConnection,
        rediscover: Bool
    ) throws -> Read {
        let (table, readRows, sent, json) = (table, reader.readRows, batch.sent, batch.json)
        if let values = batch.values {
            return try queryValues(
                statement,
                values,
                sent,
                keys,
                primes: primes,
                on: connection,
                rediscover: rediscover
            )
        }
        var sql = statement.sql
        var resultColumn = statement.positionIndex
        var identity = primes ? statement.identityIndex : nil
        var keyIndexes: [Key: Int]?
        if let ordered = statement.ordered, Key.self is any SQLiteExactKey.Type,
            batch.allIntegers || (batch.allText && ordered.acceptsText)
        {
            sql = ordered.sql
            resultColumn = ordered.keyIndex
            identity = primes ? ordered.identityIndex : nil
            keyIndexes = Dictionary(sent.map { (keys[$0], $0) }, uniquingKeysWith: { first, _ in first })
        }
        func read(
            _ sql: String,
            _ resultColumn: Int32,
            _ identity: Int32?,
            _ keyIndexes: [Key: Int]?
        ) throws -> (RowsRead<Row>, Int64) {
            try connection.withCachedStatement(sql) { prepared in
                try prepared.bind([.text(json)] + statement.values, keyCount: sent.count, table: table)
                let rows = try readRows(prepared, resultColumn, identity, sent, keyIndexes)
                return (rows, try prepared.compiledSchemaVersion())
            }
        }
        var (rows, schemaVersion) = try read(sql, resultColumn, identity, keyIndexes)
        if rows.isUnmatched {
            // The ordered form met a row whose key column does not read back as a key of the batch: the join, which
            // gives each row the position of its key, answers exactly.
            let identity = primes ? statement.identityIndex : nil
            (rows, schemaVersion) = try read(statement.sql, statement.positionIndex, identity, nil)
        }
        guard schemaVersion != statement.schemaVersion else { return (rows.rows, rows.failures, rows.identities) }
        let current = try builtStatement(from: schema(on: connection))
        self.statement.withLock { $0 = current }
        guard rediscover, !current.hasSameSQL(as: statement) else {
            return (rows.rows, rows.failures, rows.identities)
        }
        return try query(current, batch, keys, primes: primes, on: connection, rediscover: false)
    }

    /// Forgets the built statement, so that the next batch checks the schema again.
    func forgetStatement() {
        statement.withLock { $0 = nil }
    }

    /// For a page loader, how many values its cursors hold, once its statement is built.
    var cursorWidth: Int? { statement.withLock { $0?.cursorWidth } }

    /// Runs the batch's statement with one bound value per key (per column of its keys' table:
    /// ``Statement/valuesSQL(length:)``), the statement's own values after them: in chunks of at most
    /// ``KeyBinding/longestLength(width:)`` keys, each padded with `NULL` (which matches no row) to the next of
    /// ``KeyBinding/paddedLengths``, so that a connection caches a few statements per loader whatever the batch
    /// sizes. Every chunk runs in the batch's read transaction, in the snapshot of the batch.
    /// A statement with no `VALUES` form fails every key sent with ``TableLoaderError/Code/unsupportedKey``.
    private func queryValues(
        _ statement: Statement,
        _ values: [SQLiteValue],
        _ sent: [Int],
        _ keys: [Key],
        primes: Bool,
        on connection: SQLiteSourceConnection,
        rediscover: Bool
    ) throws -> Read {
        let (table, readRows) = (table, reader.readRows)
        var rows: [(index: Int, row: Row)] = []
        var failures: [Int: any Error] = [:]
        var identities: [SQLiteValue] = []
        let identity = primes ? statement.identityIndex : nil
        var schemaVersion = statement.schemaVersion
        // The values each key takes: the columns of the keys' table after its position.
        let width = statement.valuesForm?.columns.count ?? 1
        for chunk in KeyBinding.chunks(of: values, keyCount: sent.count, width: width) {
            let chunkSent = Array(sent[chunk.keys])
            guard let sql = statement.valuesSQL(length: chunk.length) else {
                for index in sent {
                    failures[index] = TableLoaderError.unsupportedKey(keys[index], table: table, column: keyColumn)
                }
                return ([], failures, [])
            }
            let bound = chunk.bound + statement.values
            let read = try connection.withCachedStatement(sql) { prepared in
                try prepared.bind(bound, keyCount: chunkSent.count, table: table)
                let read = try readRows(prepared, statement.positionIndex, identity, chunkSent, nil)
                schemaVersion = try prepared.compiledSchemaVersion()
                return read
            }
            rows += read.rows
            identities += read.identities
            failures.merge(read.failures) { first, _ in first }
        }
        guard schemaVersion != statement.schemaVersion else { return (rows, failures, identities) }
        let current = try builtStatement(from: schema(on: connection))
        self.statement.withLock { $0 = current }
        guard rediscover, !current.hasSameSQL(as: statement) else { return (rows, failures, identities) }
        return try queryValues(current, values, sent, keys, primes: primes, on: connection, rediscover: false)
    }

    /// The statement, checking the schema on first use. A failed check is not remembered: the next batch checks
    /// again, so a table created later is found.
    func checkedStatement() async throws -> Statement {
        if let statement = statement.withLock({ $0 }) { return statement }
        let built = try await buildFromSchema()
        statement.withLock { $0 = built }
        return built
    }

    private func buildFromSchema() async throws -> Statement {
        // SQLite reads names up to a NUL character: the check would find the table of the truncated name.
        guard !table.contains("\0") else { throw SchemaError.unknownTable(table) }
        // A group loader with an `orderBy` also reads how its key column compares, for the `IN` form, and a
        // many-to-many loader its join table's columns: in one read transaction with the columns. The statement is
        // built after the read, which then ends normally.
        guard readsKeyColumnInfo || shape.through != nil else {
            return try builtStatement(from: await database.readOutsideTransaction { try self.schema(on: $0) })
        }
        return try builtStatement(from: await database.read { try self.schema(on: $0) })
    }

    /// Whether the statement's `IN` form needs how the key column compares.
    private var readsKeyColumnInfo: Bool { orderBy != nil && compositeKeyColumns.isEmpty && !keyColumn.contains("\0") }

    /// What the statement is built from, as `connection` reads it: the table's columns (`nil` when there is no such
    /// table), how the key column compares, and the schema version, read first: never newer than the columns (equal
    /// to theirs inside a read transaction), so that a change in between is seen at the next batch.
    private func schema(on connection: SQLiteSourceConnection) throws -> Schema {
        let version = try connection.schemaVersion()
        let columns = try connection.tableColumns(table)
        let info = readsKeyColumnInfo ? connection.keyColumnInfo(table: table, column: keyColumn) : nil
        var schema = Schema(version: version, columns: columns, keyColumnInfo: info)
        if let columns, shape.through != nil || shape.primesIdentity {
            schema.primaryKey = connection.primaryKeyColumn(table: table, columns: columns)
        }
        if let through = shape.through {
            // SQLite reads names up to a NUL character: the check would find the table of the truncated name.
            schema.throughColumns = through.table.contains("\0") ? nil : try connection.tableColumns(through.table)
        }
        if pages, columns != nil { schema.primaryKeyColumns = try connection.primaryKeyColumns(table) }
        return schema
    }

    /// The statement built from `schema`, or a ``SchemaError``.
    private func builtStatement(from schema: Schema) throws -> Statement {
        guard let existing = schema.columns else { throw SchemaError.unknownTable(table) }
        return try build(
            existing: existing,
            keysSchema: keysSchema.withLock { $0 },
            keyColumnInfo: schema.keyColumnInfo,
            schemaVersion: schema.version,
            shaped: schema
        )
    }

    /// The part of the schema a loader's statement is built from.
    struct Schema: Sendable {
        let version: Int64
        let columns: [String]?
        let keyColumnInfo: KeyColumnInfo?
        /// The table's single-column primary key, read for a many-to-many loader and for identity priming.
        var primaryKey: String?
        /// The join table's columns, for a many-to-many loader (`nil` when there is no such table).
        var throughColumns: [String]?
        /// A page loader's table's primary key columns, in key order.
        var primaryKeyColumns: [String] = []
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
        schemaVersion: Int64,
        shaped: Schema? = nil
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
        // A many-to-many loader's key column is the join table's, checked with the join. A composite key matches each
        // column with its element of the key's array: `"t"."a" = +json_extract("k"."value", '$[0]') AND …`, each
        // compared as `WHERE "a" = ? AND …` would.
        let key =
            try !compositeKeyColumns.isEmpty
            ? "" : shape.through == nil ? require(keyColumn, role: "the key column") : keyColumn
        let keys = try compositeKeyColumns.map { try require($0, role: "a key column") }
        let order = try orderBy.map { try require($0, role: "the orderBy column") }

        // Every column is qualified with the table's alias: SQLite reads a lone double-quoted name that matches no
        // column as a string literal, so after a column is dropped `"bio"` would silently select the text 'bio',
        // where `"t"."bio"` fails to prepare and the loader reports the drift. The aliases are the loader's own, so
        // no table name can clash with them.
        func qualified(_ name: String) -> String { "\"t\".\(sqlIdentifier(name))" }
        let keyMatch =
            keys.isEmpty
            ? "\(qualified(key)) = +\"k\".\"value\""
            : keys.enumerated().map { "\(qualified($1)) = +json_extract(\"k\".\"value\", '$[\($0)]')" }
                .joined(separator: " AND ")
        // The `VALUES` form binds a composite key's parts (a page request's key) as columns of the keys' table, with
        // a page request's size and cursor in its JSON `"value"` (``Statement/ValuesForm``).
        let valuesKeyMatch =
            keys.isEmpty
            ? keyMatch
            : keys.enumerated().map { "\(qualified($1)) = +\"k\".\"p\($0)\"" }.joined(separator: " AND ")
        let valuesColumns = keys.isEmpty ? ["value"] : keys.indices.map { "p\($0)" } + (pages ? ["value"] : [])

        var selected: [String] = []
        var keyIndex: Int?
        // The primary key's column in the result, for identity priming.
        let primaryKey = shaped?.primaryKey
        var identityIndex: Int?
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
                if name == primaryKey, identityIndex == nil { identityIndex = selected.count }
                selected.append(
                    name == column.name ? qualified(name) : "\(qualified(name)) AS \(sqlIdentifier(column.name))"
                )
            }
        } else {
            selected = existing.map(qualified)
            keyIndex = existing.firstIndex(of: key)
            identityIndex = primaryKey.flatMap { existing.firstIndex(of: $0) }
        }
        let rowColumns = selected
        if !shape.isPlain {
            func shapedStatement(keysTable: String) throws -> Statement {
                try self.shapedStatement(
                    selected: selected,
                    identityIndex: identityIndex,
                    order: order,
                    keysSchema: keysSchema,
                    keysTable: keysTable,
                    keyColumnInfo: keyColumnInfo,
                    schema: shaped,
                    existing: existing,
                    schemaVersion: schemaVersion
                )
            }
            var statement = try shapedStatement(keysTable: "\(keysSchema).json_each(?) AS \"k\"")
            // The same statement with a marker for its keys' table, split into the `VALUES` form (a shaped
            // loader's key is one column).
            statement.valuesForm = try Statement.ValuesForm(marked: shapedStatement(keysTable: "\0").sql)
            return statement
        }
        // Last, so that the row's own columns keep their positions and names come first when decoding.
        let positionIndex = selected.count
        selected.append("\"k\".\"key\"")
        let prefix = "SELECT \(selected.joined(separator: ", ")) FROM "
        // What follows the keys' table: the table, the key match (of the JSON form, or of the `VALUES` form).
        func joinTail(_ match: String) -> String { " JOIN \(sqlIdentifier(table)) AS \"t\" ON \(match)" }
        var orderClause = ""
        var ordered: Ordered?
        if pages, let order {
            let tieBreak = try pageTieBreak(
                primaryKey: shaped?.primaryKeyColumns ?? [],
                order: order,
                require: require
            )
            func paged(keysTable: String, match: String) -> String {
                pagedSQL(
                    selected: selected,
                    from: keysTable + joinTail(match),
                    order: [order] + tieBreak,
                    qualified: qualified
                )
            }
            var statement = Statement(
                sql: paged(keysTable: "\(keysSchema).json_each(?) AS \"k\"", match: keyMatch),
                positionIndex: Int32(positionIndex),
                ordered: nil,
                schemaVersion: schemaVersion
            )
            statement.cursorWidth = 1 + tieBreak.count
            statement.valuesForm = Statement.ValuesForm(
                marked: paged(keysTable: "\0", match: valuesKeyMatch),
                columns: valuesColumns
            )
            return statement
        } else if let order {
            let direction = descending ? " DESC" : ""
            // By key position first, so that each key's rows are one run; within a key, by `orderBy`.
            orderClause = " ORDER BY \"k\".\"key\", \(qualified(order))\(direction)"
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
                    acceptsText: keyColumnInfo.keepsText,
                    identityIndex: identityIndex.map { Int32($0) }
                )
            }
        }
        return Statement(
            sql: prefix + "\(keysSchema).json_each(?) AS \"k\"" + joinTail(keyMatch) + orderClause,
            positionIndex: Int32(positionIndex),
            ordered: ordered,
            schemaVersion: schemaVersion,
            identityIndex: identityIndex.map { Int32($0) },
            primaryKey: identityIndex == nil ? nil : primaryKey,
            rowColumns: rowColumns,
            existingColumns: existing,
            valuesForm: Statement.ValuesForm(
                marked: prefix + "\0" + joinTail(valuesKeyMatch) + orderClause,
                columns: valuesColumns
            )
        )
    }
}

/// `name` as an SQL identifier: in double quotes, with embedded double quotes doubled.
func sqlIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
