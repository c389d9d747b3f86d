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
        /// The index of the result column that holds the position of the matched key in the bound JSON array.
        let positionIndex: Int32
    }

    let database: SQLiteDatabase
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

    /// The rows of `keys`, each with the index in `keys` of the key it matched, in the order of the query; and, by
    /// index, the keys that failed before any query (NUL in text).
    ///
    /// `nil` keys never match and are not sent. No query runs when no key is left.
    func fetch(_ keys: [Key]) async throws -> (
        rows: [(index: Int, row: Row)], failures: [Int: any Error]
    ) {
        var json = "["
        json.reserveCapacity(keys.count * 8 + 2)
        // The index in `keys` of each element of the JSON array.
        var sent: [Int] = []
        sent.reserveCapacity(keys.count)
        var failures: [Int: any Error] = [:]
        for (index, key) in keys.enumerated() {
            do {
                guard let element = try key.sqliteJSONElement() else { continue }
                if !sent.isEmpty { json += "," }
                json += element
                sent.append(index)
            } catch let error as TableLoaderError {
                failures[index] = error.located(table: table, column: keyColumn)
            }
        }
        guard !sent.isEmpty else { return ([], failures) }
        json += "]"
        let statement = try await checkedStatement()
        do {
            return (try await run(statement, json: json, sent: sent), failures)
        } catch let error as SQLiteError {
            // The schema may have changed since the check: check again, then retry once if the statement changed
            // (an optional column was dropped, an object named json_each appeared), or fail every key with the
            // ``SchemaError`` (a needed column was dropped).
            let rebuilt = try await rebuiltStatement(after: error, failed: statement)
            return (try await run(rebuilt, json: json, sent: sent), failures)
        }
    }

    private func run(_ statement: Statement, json: String, sent: [Int]) async throws -> [(index: Int, row: Row)] {
        let (table, column, readRows) = (table, keyColumn, reader.readRows)
        do {
            return try await database.read { connection in
                try connection.withCachedStatement(statement.sql) { prepared in
                    try prepared.bind([.text(json)], keyCount: sent.count, table: table)
                    return try readRows(prepared, statement.positionIndex, sent)
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
        // SQLite reads names up to a NUL character: the check would find the table of the truncated name.
        guard !table.contains("\0"), let existing = try await database.tableColumns(table) else {
            throw SchemaError.unknownTable(table)
        }
        return try build(existing: existing, keysSchema: keysSchema.withLock { $0 })
    }

    /// After a failed query: the statement rebuilt from the current schema when it differs from the one that
    /// failed; otherwise throws a ``SchemaError`` (the schema no longer has what the loader needs) or `error`.
    /// A failed check is not remembered, so the next batch checks the schema again.
    private func rebuiltStatement(after error: SQLiteError, failed: Statement) async throws -> Statement {
        statement.withLock { $0 = nil }
        // A statement that fails to prepare fails with SQLITE_ERROR; the check's own failure leaves `error` to tell.
        if error.resultCode == .error, let shadowed = try? await mainShadowsJSONEach() {
            keysSchema.withLock { $0 = shadowed ? "temp" : "main" }
        }
        let rebuilt = try await buildFromSchema()
        guard rebuilt.sql != failed.sql else { throw error }
        statement.withLock { $0 = rebuilt }
        return rebuilt
    }

    /// Whether the `main` schema holds a table or view named `json_each`, which `main.json_each(?)` would name
    /// instead of the function.
    private func mainShadowsJSONEach() async throws -> Bool {
        let sql = "SELECT count(*) FROM main.sqlite_schema WHERE type IN ('table', 'view')"
            + " AND name = 'json_each' COLLATE NOCASE"
        return try await database.query(sql, as: Int.self).first ?? 0 > 0
    }

    /// Builds the statement from the table's real columns, or throws ``SchemaError``.
    ///
    /// The keys are bound as one JSON array and joined with the table, the key column on the left of `=` so that
    /// its collation and affinity decide what matches, as a `WHERE` on the column would:
    /// `SELECT "t"."id", "t"."handle", "k"."key" FROM main.json_each(?) AS "k" JOIN "users" AS "t" ON "t"."handle" =
    /// "k"."value"`. The last column is each row's key position, so a row goes to exactly the key SQLite matched it
    /// with, and two keys the collation equates (`'Ann'` and `'ann'` under `NOCASE`) both get it. SQLite walks the
    /// array and searches the key column's index for each element.
    func build(existing: [String], keysSchema: String) throws -> Statement {
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
        if let columns {
            for column in columns {
                guard let name = real(column.name) else {
                    if column.isOptional { continue }  // decodes as nil
                    throw SchemaError.unknownColumn(
                        column.name, role: "decoded by \(Row.self)", table: table, existingColumns: existing)
                }
                selected.append(
                    name == column.name ? qualified(name) : "\(qualified(name)) AS \(sqlIdentifier(column.name))")
            }
        } else {
            selected = existing.map(qualified)
        }
        // Last, so that the row's own columns keep their positions and names come first when decoding.
        let positionIndex = selected.count
        selected.append("\"k\".\"key\"")
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(keysSchema).json_each(?) AS \"k\""
            + " JOIN \(sqlIdentifier(table)) AS \"t\" ON \(qualified(key)) = \"k\".\"value\""
        if let order {
            // By key position first, so that each key's rows are one run; within a key, by `orderBy`.
            sql += " ORDER BY \"k\".\"key\", \(qualified(order))\(descending ? " DESC" : "")"
        }
        return Statement(sql: sql, positionIndex: Int32(positionIndex))
    }
}

/// `name` as an SQL identifier: in double quotes, with embedded double quotes doubled.
func sqlIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
