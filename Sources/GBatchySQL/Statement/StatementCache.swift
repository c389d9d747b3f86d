/// The prepared statements of one connection, keyed by SQL text.
///
/// Not Sendable: it belongs to its connection and is used on that connection's thread only. When it is full, the
/// statements not in use are finalized (SQL built for many different key counts must not grow it without bound).
struct StatementCache {
    private var statements: [String: SQLiteStatement] = [:]
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { statements.count }

    func statement(for sql: String) -> SQLiteStatement? {
        statements[sql]
    }

    mutating func insert(_ statement: SQLiteStatement, for sql: String) {
        if statements.count >= capacity {
            statements = statements.filter { $0.value.isInUse }
        }
        statements[sql] = statement
    }

    /// Drops every statement; each is finalized when its last reference goes.
    mutating func removeAll() {
        statements.removeAll()
    }
}
