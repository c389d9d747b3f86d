import GBatchy

/// Loads every row whose column equals the key (a one-to-many relation), one query per tick for all the keys loaded
/// concurrently in a context.
///
/// Create it once with ``SQLiteSource/groupLoader(_:table:key:orderBy:descending:caching:maxBatchSize:name:)``. It
/// batches, caches, matches keys, checks the schema and fails a key whose group holds a row that fails to decode
/// exactly like ``TableLoader``; the difference is the answer: all the rows of the key, in `orderBy` order (SQLite's
/// order when `orderBy` is `nil`), and `[]` when there are none. With an `orderBy`, the join ends with
/// `ORDER BY "k"."key", "t"."orderBy"`, which SQLite sorts; where matching rows back by the key column's value is
/// exact (a `BINARY` key column and integer keys, or text keys on a column that converts no text to a number), the
/// loader sends instead
/// `SELECT … FROM "table" AS "t" WHERE "t"."key" IN (SELECT +value FROM main.json_each(?)) ORDER BY "t"."key",
/// "t"."orderBy"`, which an index on the key column answers in order without sorting. All loader
/// queries of one database in one tick run in one read transaction.
///
/// ```swift
/// struct Post: Decodable, Sendable { let id: Int; let authorID: Int; let title: String }
///
/// let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
/// try await withBatchContext {
///     async let ada = postsByAuthor.load(1)
///     async let grace = postsByAuthor.load(2)
///     let (adas, graces) = try await (ada, grace)   // one query, keys [1, 2]
/// }
/// ```
///
/// `GroupLoader` is `Sendable`.
public final class GroupLoader<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable, TableCacheInvalidating {
    /// The core loader underneath, named `table.key[]` unless it was given a name: use it with `BatchStatistics` or other GBatchy helpers.
    /// Its keys are the keys' ``SQLiteKey/sqliteIdentity``, which tells keys apart as SQLite does.
    public let loader: Loader<Key.SQLiteIdentity, [Row]>
    /// The table the loader reads.
    public let table: String
    /// The column the key is compared with.
    public let keyColumn: String
    private let source: TableSource<Key.SQLiteIdentity, Row>

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        key: String,
        orderBy: String?,
        descending: Bool,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<Key.SQLiteIdentity, Row>
    ) {
        let source = TableSource<Key.SQLiteIdentity, Row>(
            database: database,
            table: table,
            keyColumn: key,
            orderBy: orderBy,
            descending: descending,
            reader: reader
        )
        let answerGroups = reader.answerGroups
        self.source = source
        self.table = table
        self.keyColumn = key
        self.loader = Loader(
            name: name ?? "\(table).\(key)[]",
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
            results: { keys in
                let (rows, failures) = try await source.fetch(keys)
                return answerGroups(keys, rows, failures)
            }
        )
        database.tableLoaders.registry.register(self, table: table)
    }

    /// Loads the rows of `key`, or `[]` when there are none.
    ///
    /// ```swift
    /// let posts = try await postsByAuthor.load(1)
    /// ```
    ///
    /// - Parameter key: The key. A `nil` key answers `[]` without a query.
    /// - Returns: The rows, in `orderBy` order.
    /// - Throws: ``SchemaError``, ``SQLiteSourceError``, ``ColumnDecodingError``, ``TableLoaderError`` for an unsupported key,
    ///   or `CancellationError`.
    @inlinable
    public nonisolated(nonsending) func load(_ key: Key) async throws -> [Row] {
        try await loader.load(key.sqliteIdentity)
    }

    /// Queues `key` now and returns its pending rows, without creating a task.
    ///
    /// ```swift
    /// let a = postsByAuthor.future(1), b = postsByAuthor.future(2)
    /// let both = try await pget([a, b])
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: A future of the rows.
    @inlinable
    public func future(_ key: Key) -> BatchFuture<[Row]> {
        loader.future(key.sqliteIdentity)
    }

    /// Loads many keys in one tick and keeps each key's own result.
    ///
    /// ```swift
    /// let results = await postsByAuthor.loadMany([1, 2])
    /// ```
    ///
    /// - Parameter keys: The keys, duplicates allowed.
    /// - Returns: One result per key, in the order of `keys`.
    @inlinable
    public nonisolated(nonsending) func loadMany(_ keys: some Sequence<Key>) async -> [Result<[Row], any Error>] {
        await loader.loadMany(keys.map { $0.sqliteIdentity })
    }

    /// Loads many keys in one tick and returns their rows.
    ///
    /// ```swift
    /// let groups = try await postsByAuthor.loadAll([1, 2, 3])
    /// ```
    ///
    /// - Parameter keys: The keys.
    /// - Returns: One array of rows per key, in the order of `keys`.
    /// - Throws: The error of the first failed key.
    @inlinable
    public nonisolated(nonsending) func loadAll(_ keys: some Sequence<Key>) async throws -> [[Row]] {
        try await loader.loadAll(keys.map { $0.sqliteIdentity })
    }

    /// Puts `rows` in the current context's cache for `key`, unless the key is cached already.
    ///
    /// ```swift
    /// postsByAuthor.prime(6, [])
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - rows: The key's rows.
    @inlinable
    public func prime(_ key: Key, _ rows: [Row]) {
        loader.prime(key.sqliteIdentity, rows)
    }

    /// Removes `key` from the current context's cache.
    ///
    /// ```swift
    /// postsByAuthor.clear(1)
    /// ```
    ///
    /// - Parameter key: The key.
    @inlinable
    public func clear(_ key: Key) {
        loader.clear(key.sqliteIdentity)
    }

    /// Empties this loader's cache in the current context.
    ///
    /// ```swift
    /// postsByAuthor.clearAll()
    /// ```
    public func clearAll() {
        loader.clearAll()
    }
}
