import GBatchy

/// Loads every row of each key (a group), or each key's rows through a join table, one statement per tick: the
/// PostgreSQL twin of GBatchySQL's `GroupLoader`.
///
/// ```swift
/// let postsByAuthor = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
/// let latest = pg.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id", descending: true,
///                             limit: 3)
/// let posts = try await postsByAuthor.load(1)   // [] for an author without posts
/// ```
public final class PostgresGroupLoader<Key: PostgresKey, Row: Sendable>: KeyedLoader, PostgresCacheClearing {
    /// The core loader underneath, named `table.key[]` unless it was given a name.
    public let loader: Loader<Key.PostgresIdentity, [Row]>
    /// The table the loader reads.
    public let table: String
    /// The key column (for a many-to-many loader, the join table's `from` column).
    public let keyColumn: String
    /// At most this many rows per key, or `nil`.
    public let limit: Int?
    /// The join table of a many-to-many loader, or `nil`.
    public let throughTable: String?

    init(
        source: PostgresSource,
        query: PostgresTableQuery<Key.PostgresIdentity, Row>,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = query.table
        self.keyColumn = query.keyName
        self.limit = query.shape.limit
        self.throughTable = query.shape.through?.table
        loader = Loader(
            name: name ?? query.shape.defaultName(table: query.table, key: query.keyName, groups: true),
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in rowsPerKey(keys.count, try await query.fetch(keys)) }
        )
        source.registry.register(self, tables: [query.table] + (query.shape.through.map { [$0.table] } ?? []))
    }

    /// The core loader's key for `key`: its ``PostgresKey/postgresIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: Key) -> Key.PostgresIdentity { key.postgresIdentity }
}
