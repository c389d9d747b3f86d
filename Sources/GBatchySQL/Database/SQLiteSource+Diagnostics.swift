extension SQLiteSource {
    /// The number of prepared statements cached over every connection of the database.
    ///
    /// Table loaders use one statement per loader whatever the number of keys, so this number stays the same as
    /// batches grow. Returns 0 once the database is closed.
    ///
    /// ```swift
    /// _ = try await withBatchContext { try await users.loadAll(Array(1...5000)) }
    /// print(await db.preparedStatementCount)
    /// ```
    public var preparedStatementCount: Int {
        get async {
            var total = (try? await writer.submit(cancellable: false) { $0.cachedStatementCount }) ?? 0
            for reader in readers?.readers ?? [] {
                total += (try? await reader.submit(cancellable: false) { $0.cachedStatementCount }) ?? 0
            }
            return total
        }
    }
}
