import GBatchy
import PostgresNIO

extension PostgresSource {
    /// Runs `body` in one transaction on the primary: it commits whole when `body` returns, and rolls back whole when
    /// `body` throws or a statement fails. After the commit, the calling context's cached rows of every table the
    /// transaction wrote are cleared, and the context reads from the primary from then on (read-your-writes).
    ///
    /// The tables written are read from PostgreSQL's own per-transaction counters (`pg_stat_xact_user_tables`):
    /// rows inserted, updated or deleted by the statements and by their triggers.
    ///
    /// ```swift
    /// try await pg.write { tx in
    ///     try await tx.execute("UPDATE users SET name = $1 WHERE id = $2", ["Ann", 1])
    /// }
    /// ```
    ///
    /// - Parameter body: The transaction's work.
    /// - Returns: What `body` returns.
    /// - Throws: ``PostgresSourceError`` (a constraint violation is `.server` with its SQLSTATE), or what `body`
    ///   throws; nothing of the transaction is then visible and no cache is touched.
    @discardableResult
    public func write<T: Sendable>(_ body: (PostgresWriteTransaction) async throws -> T) async throws -> T {
        let (value, written) = try await withConnection(client, role: .writer, sql: "BEGIN", table: nil) { connection in
            let transaction = PostgresWriteTransaction(source: self, connection: connection)
            _ = try await run("BEGIN", PostgresBindings(), on: connection, role: .writer)
            do {
                let value = try await body(transaction)
                let rows = try await run(
                    "SELECT relname FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0",
                    PostgresBindings(),
                    on: connection,
                    role: .writer
                )
                let written = Set(try rows.map { try $0.decode(String.self) })
                _ = try await run("COMMIT", PostgresBindings(), on: connection, role: .writer)
                return (value, written)
            } catch {
                _ = try? await run("ROLLBACK", PostgresBindings(), on: connection, role: .writer)
                throw error
            }
        }
        BatchContext.current?.marks.withLock { _ = $0.insert(ObjectIdentifier(self)) }
        for loader in registry.loaders(of: written) { loader.clearAll() }
        return value
    }
}

/// A write transaction on the primary, given to ``PostgresSource/write(_:)``'s body.
///
/// `Sendable`; use it only inside the body.
public struct PostgresWriteTransaction: Sendable {
    let source: PostgresSource
    /// The transaction's connection.
    public let connection: PostgresConnection

    /// Runs `sql` with `values` bound to `$1`, `$2`, … and returns the number of rows it returned.
    ///
    /// ```swift
    /// try await tx.execute("INSERT INTO comments (post_id, body) VALUES ($1, $2)", [1, "Nice"])
    /// ```
    ///
    /// - Parameters:
    ///   - sql: One statement.
    ///   - values: Its parameters, always bound.
    /// - Returns: The number of rows the statement returned (0 for one without `RETURNING`).
    /// - Throws: ``PostgresSourceError``.
    @discardableResult
    public func execute(_ sql: String, _ values: [any PostgresEncodable & Sendable] = []) async throws -> Int {
        var bindings = PostgresBindings(capacity: values.count)
        try appendValues(values, to: &bindings, sql: sql)
        return try await source.run(sql, bindings, on: connection, role: .writer).count
    }

    /// Runs `sql` with `values` bound and decodes each row as `Row` by column name, in the transaction.
    ///
    /// ```swift
    /// let ids = try await tx.query("INSERT INTO tags (id, name) VALUES ($1, $2) RETURNING id", [9, "swift"], as: Tag.self)
    /// ```
    ///
    /// - Parameters:
    ///   - sql: One statement.
    ///   - values: Its parameters, always bound.
    ///   - rowType: The row type.
    /// - Returns: The rows.
    /// - Throws: ``PostgresSourceError``.
    public func query<Row: Decodable>(
        _ sql: String,
        _ values: [any PostgresEncodable & Sendable] = [],
        as rowType: Row.Type
    ) async throws -> [Row] {
        var bindings = PostgresBindings(capacity: values.count)
        try appendValues(values, to: &bindings, sql: sql)
        let rows = try await source.run(sql, bindings, on: connection, role: .writer)
        return try rows.map { try PostgresRowDecoder(row: $0.makeRandomAccess(), sql: sql, table: nil).decode() }
    }
}
