import Foundation
import GBatchy
import GBatchyCSQLite

/// The SQL side of a custom SQL loader: the user's statement checked and rewritten at first use, and the query of
/// one batch.
///
/// `Sendable`: its inputs are constants and the checked statement sits behind a lock.
final class SQLSource<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable {
    let database: SQLiteSource
    let name: String
    let sql: String
    let keyColumn: String
    let reads: [String]
    let values: [any SQLiteBindable]
    let reader: RowReader<Key, Row>
    private let checked = Locked<SQLLoaderStatement?>(nil)

    init(
        database: SQLiteSource,
        name: String,
        sql: String,
        keyColumn: String,
        reads: [String],
        values: [any SQLiteBindable],
        reader: RowReader<Key, Row>
    ) {
        self.database = database
        self.name = name
        self.sql = sql
        self.keyColumn = keyColumn
        self.reads = reads
        self.values = values
        self.reader = reader
    }

    /// The rows of `keys`, each with the index in `keys` of the key its key column holds, in the statement's order;
    /// and, by index, the keys that failed before the query. No query runs when no key is left.
    ///
    /// A batch with a key JSON cannot carry exactly (text containing NUL, a blob) binds one value per key instead,
    /// `IN (SELECT +column1 FROM (VALUES (?),(?),…))`, padded and chunked as a table loader's
    /// (``KeyBinding``), every chunk in the batch's read transaction; a statement with numbered parameters (`?2`),
    /// whose numbers the longer list would shift, fails such a key alone with ``TableLoaderError/Code/unsupportedKey``.
    func fetch(_ keys: [Key]) async throws -> TableSource<Key, Row>.Rows {
        var batch = reader.encodeKeys(keys, false, true)
        guard !batch.sent.isEmpty else { return ([], batch.failures) }
        let checked = try await checkedStatement()
        if batch.values != nil, !checked.bindsValues {
            batch = reader.encodeKeys(keys, false, false)
            guard !batch.sent.isEmpty else { return ([], batch.failures) }
        }
        let keyIndexes = Dictionary(batch.sent.map { (keys[$0], $0) }, uniquingKeysWith: { first, _ in first })
        let (sent, json, values) = (batch.sent, batch.json, batch.values)
        let read = try await database.read { connection in
            guard let values else {
                return try self.run(checked.sql, checked, keys: [json], sent, keyIndexes, on: connection)
            }
            var read = RowsRead<Row>()
            for chunk in KeyBinding.chunks(of: values, keyCount: sent.count, width: 1) {
                let rows = try self.run(
                    checked.valuesSQL(length: chunk.length),
                    checked,
                    keys: chunk.bound.map { $0 as any SQLiteBindable },
                    Array(sent[chunk.keys]),
                    keyIndexes,
                    on: connection
                )
                read.rows += rows.rows
                read.failures.merge(rows.failures) { first, _ in first }
            }
            return read
        }
        var failures = batch.failures
        if !read.failures.isEmpty { failures.merge(read.failures) { before, _ in before } }
        return (read.rows, failures)
    }

    /// Runs `sql`, the checked statement with `keys` bound where its `:keys` marker was and the loader's values
    /// around them, and reads each row back to the key its key column holds.
    private func run(
        _ sql: String,
        _ checked: SQLLoaderStatement,
        keys: [any SQLiteBindable],
        _ sent: [Int],
        _ keyIndexes: [Key: Int],
        on connection: SQLiteSourceConnection
    ) throws -> RowsRead<Row> {
        let (readRows, keyColumn, table) = (reader.readRows, keyColumn, reads.first)
        return try connection.withCachedStatement(sql) { statement in
            // The values before the marker, the keys, the values after it.
            var bound = Array(values.prefix(checked.keysParameter - 1))
            bound += keys
            bound += values.dropFirst(checked.keysParameter - 1)
            try statement.bind(bound, keyCount: sent.count, table: table)
            // The result columns as they are now: a `SELECT *` follows the schema.
            guard
                let column = statement.columnNames.firstIndex(where: {
                    $0.caseInsensitiveCompare(keyColumn) == .orderedSame
                })
            else {
                throw TableLoaderError.unreadableKey(.null, table: table ?? "?", column: keyColumn)
            }
            let rows = try readRows(statement, Int32(column), nil, sent, keyIndexes)
            if rows.isUnmatched {
                // The row the reading stopped at is still the current one.
                throw TableLoaderError.unreadableKey(
                    statement.value(at: Int32(column)),
                    table: table ?? "?",
                    column: keyColumn
                )
            }
            return rows
        }
    }

    /// The checked statement, checking it on first use. A failed check is not remembered: the next batch checks
    /// again, so a table created later is found.
    private func checkedStatement() async throws -> SQLLoaderStatement {
        if let checked = checked.withLock({ $0 }) { return checked }
        let markers = keysMarkers(in: sql)
        guard markers.count == 1, let marker = markers.first else {
            throw SQLLoaderError(.keysMarker, loader: name, sql: sql, detail: "\(markers.count)")
        }
        let utf8 = Array(sql.utf8)
        let before = String(decoding: utf8[..<marker], as: UTF8.self)
        let after = String(decoding: utf8[(marker + 5)...], as: UTF8.self)
        let (name, sql, keyColumn, reads, valueCount) = (name, sql, keyColumn, reads, values.count)
        let built = try await database.readOutsideTransaction { connection in
            try connection.checkSQLLoaderStatement(
                beforeKeys: before,
                afterKeys: after,
                loader: name,
                sql: sql,
                keyColumn: keyColumn,
                reads: reads,
                valueCount: valueCount
            )
        }
        checked.withLock { $0 = built }
        return built
    }
}

/// A custom SQL loader's statement as it runs: the `:keys` marker replaced with the batch's keys.
struct SQLLoaderStatement: Sendable {
    /// `… IN (SELECT +value FROM main.json_each(:keys)) …`.
    let sql: String
    /// The index (from 1) of the `:keys` parameter.
    let keysParameter: Int
    /// The number of parameters.
    let parameterCount: Int
    /// Whether the statement can bind one value per key (``valuesSQL(length:)``): it has no numbered parameter
    /// (`?2`), whose number would no longer be its position once the list adds parameters.
    let bindsValues: Bool
    /// The user's SQL before and after the `:keys` marker.
    let beforeKeys: String
    let afterKeys: String

    /// The statement with `length` keys bound one value each: `… IN (SELECT +column1 FROM (VALUES (?),(?),…)) …`.
    /// Its `?` take the positions from the marker's on, so the loader's values before and after keep theirs.
    func valuesSQL(length: Int) -> String {
        var sql = beforeKeys + "SELECT +column1 FROM (VALUES (?)"
        sql.reserveCapacity(sql.utf8.count + length * 4 + afterKeys.utf8.count + 2)
        for _ in 1..<max(length, 1) { sql += ",(?)" }
        return sql + ")" + afterKeys
    }
}

/// The byte offsets of the `:keys` parameters in `sql`: the token `:keys`, outside string literals, quoted
/// identifiers and comments, not followed by a character of a longer name.
func keysMarkers(in sql: String) -> [Int] {
    let bytes = Array(sql.utf8)
    func isNameByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
    /// The index after the closing `close` of a quoted run starting at `start`, or the end.
    func skipQuoted(from start: Int, to close: UInt8) -> Int {
        var index = start + 1
        while index < bytes.count, bytes[index] != close { index += 1 }
        return index + 1
    }
    var markers: [Int] = []
    var index = 0
    let marker = Array(":keys".utf8)
    while index < bytes.count {
        let byte = bytes[index]
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
            // A doubled quote inside is the end of one run and the start of the next: the same result.
            index = skipQuoted(from: index, to: byte)
        case UInt8(ascii: "["):
            index = skipQuoted(from: index, to: UInt8(ascii: "]"))
        case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
            while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
            index += 2
            while index < bytes.count,
                !(bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                    && bytes[index + 1] == UInt8(ascii: "/"))
            {
                index += 1
            }
            index += 2
        case UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            var end = index + 1
            while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
            if byte == UInt8(ascii: ":"), Array(bytes[index..<end]) == marker { markers.append(index) }
            index = max(end, index + 1)
        default:
            // A name or number: its characters cannot start a parameter.
            if isNameByte(byte) {
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            } else {
                index += 1
            }
        }
    }
    return markers
}

extension SQLiteSourceConnection {
    /// Checks a custom SQL loader's statement, its `:keys` marker (between `beforeKeys` and `afterKeys`) rewritten
    /// as `SELECT +value FROM main.json_each(:keys)`, without running it: one statement, read-only, the key
    /// column among its result columns, one value per other parameter, every table it reads (from its program's
    /// `OpenRead` instructions, through views) declared in `reads`.
    ///
    /// - Throws: ``SQLLoaderError``, or ``SQLiteSourceError`` when the SQL does not prepare.
    func checkSQLLoaderStatement(
        beforeKeys: String,
        afterKeys: String,
        loader: String,
        sql: String,
        keyColumn: String,
        reads: [String],
        valueCount: Int
    ) throws -> SQLLoaderStatement {
        func fail(_ code: SQLLoaderError.Code, _ detail: String) -> SQLLoaderError {
            SQLLoaderError(code, loader: loader, sql: sql, detail: detail)
        }
        let rewritten = beforeKeys + "SELECT +value FROM main.json_each(:keys)" + afterKeys
        guard !rewritten.contains("\0") else {
            throw fail(.multipleStatements, "a NUL character")
        }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var trailing = ""
        let code = rewritten.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            if let tail { trailing = String(cString: tail) }
            return code
        }
        guard code == SQLITE_OK else { throw error(code: code, sql: rewritten) }
        let rest = trailing.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(.init(charactersIn: ";")))
        guard let statement, !holdsStatement(rest) else {
            throw fail(.multipleStatements, statement == nil ? "nothing" : "`\(rest.prefix(60))`")
        }
        guard sqlite3_stmt_readonly(statement) != 0 else { throw fail(.notReadOnly, "") }
        let columns = (0..<sqlite3_column_count(statement)).map { index in
            sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
        }
        guard columns.contains(where: { $0.caseInsensitiveCompare(keyColumn) == .orderedSame }) else {
            throw fail(
                .missingKeyColumn,
                "\(quoted(keyColumn)); its result columns are: \(columns.joined(separator: ", "))"
            )
        }
        let parameterCount = Int(sqlite3_bind_parameter_count(statement))
        let keysParameter = Int(sqlite3_bind_parameter_index(statement, ":keys"))
        guard keysParameter > 0, parameterCount - 1 == valueCount else {
            throw fail(
                .argumentCount,
                "has \(max(parameterCount - 1, 0)) parameter(s) besides :keys but \(valueCount) value(s) were given"
            )
        }
        for table in try tablesRead(by: rewritten)
        where !reads.contains(where: { $0.caseInsensitiveCompare(table) == .orderedSame }) {
            throw fail(.undeclaredTable, table)
        }
        // A numbered parameter (`?2`) keeps its number in the `VALUES` form, where the positions after the keys move.
        let numbered = (1...parameterCount).contains { index in
            sqlite3_bind_parameter_name(statement, Int32(index)).map { $0.pointee == 0x3F } ?? false  // "?"
        }
        return .init(
            sql: rewritten,
            keysParameter: keysParameter,
            parameterCount: parameterCount,
            bindsValues: !numbered,
            beforeKeys: beforeKeys,
            afterKeys: afterKeys
        )
    }

    /// Whether `sql` (the text after a statement) holds another statement, or text SQLite cannot read as nothing but
    /// comments and semicolons. Prepared, never run.
    private func holdsStatement(_ sql: String) -> Bool {
        guard !sql.isEmpty else { return false }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        return sqlite3_prepare_v2(handle, sql, -1, &statement, nil) != SQLITE_OK || statement != nil
    }

    /// The tables a statement's program opens to read (`OpenRead` of a table or of one of its indexes), by name.
    private func tablesRead(by sql: String) throws -> Set<String> {
        var explain: OpaquePointer?
        defer { sqlite3_finalize(explain) }
        let code = sqlite3_prepare_v2(handle, "EXPLAIN " + sql, -1, &explain, nil)
        guard code == SQLITE_OK, let explain else { throw error(code: code, sql: "EXPLAIN " + sql) }
        var pages: Set<[Int64]> = []
        while true {
            let stepped = sqlite3_step(explain)
            if stepped == SQLITE_DONE { break }
            guard stepped == SQLITE_ROW else { throw error(code: stepped, sql: "EXPLAIN " + sql) }
            // Columns: addr, opcode, p1, p2 (the root page), p3 (the database), …
            guard let opcode = sqlite3_column_text(explain, 1), String(cString: opcode) == "OpenRead" else { continue }
            pages.insert([sqlite3_column_int64(explain, 4), sqlite3_column_int64(explain, 3)])
        }
        var tables: Set<String> = []
        for page in pages {
            // The database's name by its number: 0 is `main`, 1 `temp`, then attached databases.
            let databases = try query(
                "SELECT name FROM pragma_database_list WHERE seq = ?",
                values: [.integer(page[0])],
                as: String.self,
                keyCount: nil,
                table: nil
            )
            guard let schema = databases.first else { continue }
            let names = try query(
                "SELECT tbl_name FROM \(sqlIdentifier(schema)).sqlite_schema WHERE rootpage = ?",
                values: [.integer(page[1])],
                as: String.self,
                keyCount: nil,
                table: nil
            )
            tables.formUnion(names)
        }
        return tables
    }
}
