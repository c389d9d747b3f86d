import GBatchy

extension Loader: TableCacheInvalidating {}

extension SQLiteSource {
    /// Creates a hand-written loader whose batch function queries this database, with the guarantees of the table
    /// loaders: its batches run in the tick's read snapshot, with every other loader batch of this database in that
    /// tick, and a write made inside a context (``write(_:)``, ``execute(_:_:)``) to any table of `reads` empties its
    /// cache in that context.
    ///
    /// A plain `Loader` whose batch function calls ``query(_:_:as:)`` runs outside the tick's snapshot (it may see
    /// a write the other loaders of the tick do not) and keeps its cached answers after the request writes. Declare
    /// what the batch function reads, and both hold:
    ///
    /// ```swift
    /// let commentCount = db.loader(name: "commentCount", reads: ["comments"]) { (postIDs: [Int]) in
    ///     let counts = try await db.query(
    ///         "SELECT post_id, count(*) AS n FROM comments WHERE post_id IN (SELECT value FROM json_each(?))"
    ///             + " GROUP BY post_id", [postIDs.description], as: PostCount.self)
    ///     let byPost = Dictionary(uniqueKeysWithValues: counts.map { ($0.postID, $0.n) })
    ///     return postIDs.map { byPost[$0] ?? 0 }
    /// }
    ///
    /// try await withBatchContext {
    ///     _ = try await commentCount.load(1)   // 3, read in the tick's snapshot
    ///     try await db.execute("INSERT INTO comments(post_id, body) VALUES (1, 'hi')")
    ///     _ = try await commentCount.load(1)   // 4: the write cleared the cached 3
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The loader's name, for errors and `BatchStatistics`.
    ///   - tables: The tables the batch function reads: a write to any of them clears the loader's cache in the
    ///     writing context (names compare case-insensitively).
    ///   - maxBatchSize: The most keys in one batch, or `nil` for no limit.
    ///   - caching: Whether loaded values stay cached in the context.
    ///   - cachesErrors: Whether failed keys stay cached too.
    ///   - batch: Loads the values of distinct keys, one per key in key order.
    /// - Returns: The loader. Keep it: the write invalidation holds it weakly.
    public func loader<Key: Hashable & Sendable, Value: Sendable>(
        name: String,
        reads tables: [String],
        maxBatchSize: Int? = nil,
        caching: Bool = true,
        cachesErrors: Bool = false,
        _ batch: @escaping @Sendable ([Key]) async throws -> [Value]
    ) -> Loader<Key, Value> {
        loader(
            name: name,
            reads: tables,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            results: { keys in try await batch(keys).map { .success($0) } }
        )
    }

    /// Creates a hand-written loader whose batch function queries this database and answers one `Result` per key,
    /// so that keys fail one by one; its batches run in the tick's read snapshot and a write to any table of `reads`
    /// clears its cache, as for ``loader(name:reads:maxBatchSize:caching:cachesErrors:_:)``.
    ///
    /// ```swift
    /// let hasBio = db.loader(name: "hasBio", reads: ["authors"], results: { (ids: [Int]) in
    ///     let rows = try await db.query("SELECT id FROM authors WHERE bio IS NOT NULL", as: Int.self)
    ///     return ids.map { .success(rows.contains($0)) }
    /// })
    /// ```
    ///
    /// - Parameters:
    ///   - name: The loader's name, for errors and `BatchStatistics`.
    ///   - tables: The tables the batch function reads.
    ///   - maxBatchSize: The most keys in one batch, or `nil` for no limit.
    ///   - caching: Whether loaded values stay cached in the context.
    ///   - cachesErrors: Whether failed keys stay cached too.
    ///   - results: Loads the values of distinct keys, one result per key in key order.
    /// - Returns: The loader. Keep it: the write invalidation holds it weakly.
    @_disfavoredOverload
    public func loader<Key: Hashable & Sendable, Value: Sendable>(
        name: String,
        reads tables: [String],
        maxBatchSize: Int? = nil,
        caching: Bool = true,
        cachesErrors: Bool = false,
        results: @escaping @Sendable ([Key]) async throws -> [Result<Value, any Error>]
    ) -> Loader<Key, Value> {
        let loader = Loader(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            dispatchGroup: tableLoaders.dispatchGroup(of: self),
            results: results
        )
        for table in Set(tables.map { $0.lowercased() }) { tableLoaders.registry.register(loader, table: table) }
        return loader
    }
}
