import Foundation
import GBatchy

/// The SQL side of one table loader: its identifiers, its statement (built once, after checking the schema), and
/// the query of one batch.
///
/// `Sendable`: its identifiers are constants and the built statement sits behind a lock.
final class TableSource<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable {
    /// The statement of this loader, built from the schema.
    struct Statement: Sendable {
        let sql: String
        /// The index of the key column in the result.
        let keyIndex: Int32
    }

    let database: SQLiteDatabase
    let table: String
    let keyColumn: String
    let orderBy: String?
    let descending: Bool
    /// The columns `Row` decodes, or `nil` to select every column of the table.
    private let columns: [DecodedColumn]?
    private let statement = Locked<Statement?>(nil)
    let reader: RowReader<Key, Row>

    init(
        database: SQLiteDatabase, table: String, keyColumn: String, orderBy: String?, descending: Bool,
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

    /// The rows of `keys` with the key of each, in the order of the query, and the keys that failed before any query
    /// (NUL in text).
    ///
    /// `nil` keys never match and are not sent. No query runs when no key is left.
    func fetch(_ keys: [Key]) async throws -> (rows: [(key: Key, row: Row)], failures: [Key: any Error]) {
        var json = "["
        json.reserveCapacity(keys.count * 8 + 2)
        var keyCount = 0
        var failures: [Key: any Error] = [:]
        for key in keys {
            do {
                guard let element = try key.sqliteJSONElement() else { continue }
                if keyCount > 0 { json += "," }
                json += element
                keyCount += 1
            } catch let error as TableLoaderError {
                failures[key] = error.located(table: table, column: keyColumn)
            }
        }
        guard keyCount > 0 else { return ([], failures) }
        json += "]"
        let statement = try await checkedStatement()
        do {
            return (try await run(statement, json: json, keyCount: keyCount), failures)
        } catch let error as SQLiteError {
            // The schema may have changed since the check: check again, then retry once if the statement changed
            // (an optional column was dropped), or fail every key with the ``SchemaError`` (a needed one was).
            let rebuilt = try await rebuiltStatement(after: error, failed: statement)
            return (try await run(rebuilt, json: json, keyCount: keyCount), failures)
        }
    }

    private func run(_ statement: Statement, json: String, keyCount: Int) async throws -> [(key: Key, row: Row)] {
        let (table, column, readRows) = (table, keyColumn, reader.readRows)
        do {
            return try await database.read { connection in
                try connection.withCachedStatement(statement.sql) { prepared in
                    try prepared.bind([.text(json)], keyCount: keyCount, table: table)
                    return try readRows(prepared, statement.keyIndex, keyCount)
                }
            }
        } catch let error as TableLoaderError {
            throw error.located(table: table, column: column)
        }
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
        guard let existing = try await database.tableColumns(table) else { throw SchemaError.unknownTable(table) }
        return try build(existing: existing)
    }

    /// After a failed query: the statement rebuilt from the current schema when it differs from the one that
    /// failed; otherwise throws a ``SchemaError`` (the schema no longer has what the loader needs) or `error`.
    /// A failed check is not remembered, so the next batch checks the schema again.
    private func rebuiltStatement(after error: SQLiteError, failed: Statement) async throws -> Statement {
        statement.withLock { $0 = nil }
        let rebuilt = try await buildFromSchema()
        guard rebuilt.sql != failed.sql else { throw error }
        statement.withLock { $0 = rebuilt }
        return rebuilt
    }

    /// Builds the statement from the table's real columns, or throws ``SchemaError``.
    func build(existing: [String]) throws -> Statement {
        func real(_ name: String) -> String? {
            existing.first { $0.caseInsensitiveCompare(name) == .orderedSame }
        }
        func require(_ name: String, role: String) throws -> String {
            guard let column = real(name) else {
                throw SchemaError.unknownColumn(name, role: role, table: table, existingColumns: existing)
            }
            return column
        }
        let key = try require(keyColumn, role: "the key column")
        let order = try orderBy.map { try require($0, role: "the orderBy column") }

        // Every column is qualified with the table: SQLite reads a lone double-quoted name that matches no column
        // as a string literal, so after a column is dropped `"bio"` would silently select the text 'bio', where
        // `"authors"."bio"` fails to prepare and the loader reports the drift.
        let tableName = sqlIdentifier(table)
        func qualified(_ name: String) -> String { "\(tableName).\(sqlIdentifier(name))" }

        var selected: [String] = []
        var keyIndex: Int?
        if let columns {
            for column in columns {
                guard let name = real(column.name) else {
                    if column.isOptional { continue }  // decodes as nil
                    throw SchemaError.unknownColumn(
                        column.name, role: "decoded by \(Row.self)", table: table, existingColumns: existing)
                }
                if name == key, keyIndex == nil { keyIndex = selected.count }
                selected.append(
                    name == column.name ? qualified(name) : "\(qualified(name)) AS \(sqlIdentifier(column.name))")
            }
        } else {
            selected = existing.map(qualified)
            keyIndex = existing.firstIndex(of: key)
        }
        if keyIndex == nil {
            keyIndex = selected.count
            selected.append(qualified(key))
        }
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(tableName) WHERE \(qualified(key))"
            + " IN (SELECT value FROM json_each(?))"
        if let order {
            // Ordered by key first, so that each key's rows come as one run and are grouped without a lookup per
            // row; within a key, by `orderBy`.
            sql += " ORDER BY \(qualified(key)), \(qualified(order))\(descending ? " DESC" : "")"
        }
        return Statement(sql: sql, keyIndex: Int32(keyIndex ?? 0))
    }
}

/// `name` as an SQL identifier: in double quotes, with embedded double quotes doubled.
func sqlIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
