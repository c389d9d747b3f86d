import BenchSQLite

/// The floor of the SQL rows: the raw SQLite C API, with a hand-written `IN (?, ?, …)` list, reading the same columns
/// into the same structs. No threads, no batching, no decoding protocol.
final class RawSQLite {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            throw BenchError("cannot open \(path)")
        }
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// The cached statement of `sql`, prepared on first use.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else {
            throw BenchError(String(cString: sqlite3_errmsg(handle)))
        }
        statements[sql] = statement
        return statement
    }

    /// `SELECT id, parent_id, name, score FROM items WHERE <column> IN (?, …) [ORDER BY …]`, bound with `keys`.
    func items(where column: String, in keys: [Int64], orderBy: String? = nil) throws -> [Item] {
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ",")
        var sql = "SELECT id, parent_id, name, score FROM items WHERE \(column) IN (\(placeholders))"
        if let orderBy { sql += " ORDER BY \(orderBy)" }
        let statement = try statement(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, key) in keys.enumerated() {
            sqlite3_bind_int64(statement, Int32(index + 1), key)
        }
        var items: [Item] = []
        items.reserveCapacity(keys.count)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw BenchError(String(cString: sqlite3_errmsg(handle))) }
            items.append(
                Item(
                    id: sqlite3_column_int64(statement, 0),
                    parentID: sqlite3_column_int64(statement, 1),
                    name: String(cString: sqlite3_column_text(statement, 2)),
                    score: sqlite3_column_double(statement, 3)
                )
            )
        }
        return items
    }

    /// Runs `sql`, a statement a GBatchy loader sends, bound with the JSON array `json` and then `extra`, and reads
    /// each row with `read`: the same statement, hand-written against the C API.
    func rows<T>(_ sql: String, json: String, extra: [Int64] = [], _ read: (OpaquePointer) -> T) throws -> [T] {
        let statement = try statement(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        sqlite3_bind_text(statement, 1, json, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        for (index, value) in extra.enumerated() { sqlite3_bind_int64(statement, Int32(index + 2), value) }
        var rows: [T] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw BenchError(String(cString: sqlite3_errmsg(handle))) }
            rows.append(read(statement))
        }
        return rows
    }

    /// The connection's last error message.
    var message: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs `sql` on this connection (a temporary table's statements: the connection is read-only).
    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError(message) }
    }

    /// Runs a script on a read-write connection to `path` (used to build the benchmark database).
    static func execute(_ sql: String, path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw BenchError("cannot open \(path)") }
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError(String(cString: sqlite3_errmsg(handle)))
        }
    }

    /// The number of rows of `items`, or 0 when the table does not exist.
    static func itemCount(path: String) -> Int {
        guard let raw = try? RawSQLite(path: path), let statement = try? raw.statement("SELECT count(*) FROM items")
        else { return 0 }
        defer { sqlite3_reset(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { return 0 }
        return Int(sqlite3_column_int64(statement, 0))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
