import GBatchy
import GBatchySQLCore

/// Loads one row per key from a PostgreSQL table, one statement per tick for all the keys loaded concurrently in a
/// context: the PostgreSQL twin of GBatchySQL's `TableLoader`.
///
/// Create it once with ``PostgresSource/loader(_:table:key:where:_:caching:maxBatchSize:name:)`` and share it. Each
/// caller gets its own row, or `nil` when there is none; a key that matches two rows fails with
/// ``PostgresSourceError/Code/duplicateKey``; a row that fails to decode fails only its own key.
///
/// ```swift
/// let users = pg.loader(User.self, table: "users", key: "id")
/// try await withBatchContext {
///     async let a = users.load(1)
///     async let b = users.load(2)
///     let (ann, bob) = try await (a, b)   // one statement, keys [1, 2]
/// }
/// ```
public final class PostgresTableLoader<Key: PostgresKey, Row: Sendable>: KeyedLoader, PostgresCacheClearing {
    /// The core loader underneath, named `table.key` unless it was given a name.
    public let loader: Loader<Key.PostgresIdentity, Row?>
    /// The table the loader reads.
    public let table: String
    /// The key column.
    public let keyColumn: String
    /// The loader of ``list(where:_:orderBy:descending:limit:)``, one statement per list query.
    let lists: Loader<PostgresListQuery, [Row]>

    init(
        source: PostgresSource,
        query: PostgresTableQuery<Key.PostgresIdentity, Row>,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = query.table
        self.keyColumn = query.keyName
        let (table, column) = (query.table, query.keyName)
        let loaderName = name ?? query.shape.defaultName(table: table, key: column, groups: false)
        let loader = Loader<Key.PostgresIdentity, Row?>(
            name: loaderName,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in
                oneRowPerKey(keys, try await query.fetch(keys), table: table, column: column)
            }
        )
        self.loader = loader
        lists = Loader(
            name: "\(loaderName) list",
            maxBatchSize: nil,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { queries in
                var results: [Result<[Row], any Error>] = []
                for list in queries {
                    do {
                        let rows = try await query.list(list, keyColumn: column)
                        loader.prime(
                            contentsOf: rows.compactMap { cell, row in
                                (try? cell.decode(Key.PostgresElement.self)).map { (Key.postgresIdentity(of: $0), row) }
                            }
                        )
                        results.append(.success(rows.map(\.row)))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return results
            }
        )
        source.registry.register(self, tables: [table])
        // A filtered loader answers `nil` for rows outside its filter: rows read by others must not prime it.
        if query.shape.filter == nil { source.identities.register(self, table: table, rowType: Row.self) }
    }

    /// Loads the row of `key`, and throws ``PostgresSourceError/Code/notFound`` when the table has none.
    ///
    /// ```swift
    /// let user = try await users.loadRequired(1)
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: The row.
    public func loadRequired(_ key: Key) async throws -> Row {
        guard let row = try await loader.load(key.postgresIdentity) else {
            throw PostgresSourceError(.notFound, "no row has the key \(key)", table: table, column: keyColumn)
        }
        return row
    }

    /// The core loader's key for `key`: its ``PostgresKey/postgresIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: Key) -> Key.PostgresIdentity { key.postgresIdentity }
}

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

/// Answers one number per key (a count, or whether the key has a row), one statement per tick, `0` or `false` for a
/// key without rows.
///
/// ```swift
/// let commentCount = pg.countLoader(table: "comments", key: "post_id")
/// let hasComments = pg.existsLoader(table: "comments", key: "post_id")
/// let n = try await commentCount.load(1)
/// ```
public final class PostgresAggregateLoader<Key: PostgresKey, Value: Sendable>: KeyedLoader, PostgresCacheClearing {
    /// The core loader underneath.
    public let loader: Loader<Key.PostgresIdentity, Value>
    /// The table the loader reads.
    public let table: String
    /// The key column.
    public let keyColumn: String

    init(
        source: PostgresSource,
        query: PostgresTableQuery<Key.PostgresIdentity, Value>,
        none: Value,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = query.table
        self.keyColumn = query.keyName
        loader = Loader(
            name: name ?? query.shape.defaultName(table: query.table, key: query.keyName, groups: false),
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in
                let (rows, failures) = try await query.fetch(keys)
                var answers = [Result<Value, any Error>](repeating: .success(none), count: keys.count)
                for (index, value) in rows { answers[index] = .success(value) }
                for (index, error) in failures { answers[index] = .failure(error) }
                return answers
            }
        )
        source.registry.register(self, tables: [query.table] + (query.shape.through.map { [$0.table] } ?? []))
    }

    /// The core loader's key for `key`: its ``PostgresKey/postgresIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: Key) -> Key.PostgresIdentity { key.postgresIdentity }
}

/// A loader of the number of rows of each key.
public typealias PostgresCountLoader<Key: PostgresKey> = PostgresAggregateLoader<Key, Int>
/// A loader of whether each key has a row.
public typealias PostgresExistsLoader<Key: PostgresKey> = PostgresAggregateLoader<Key, Bool>

/// Each key's one row (`nil` when it has none) from the rows a batch read: a key with two rows fails with
/// ``PostgresSourceError/Code/duplicateKey``, a key whose row failed to decode with its error.
func oneRowPerKey<Key, Row>(
    _ keys: [Key],
    _ fetched: (rows: [(index: Int, row: Row)], failures: [Int: any Error]),
    table: String,
    column: String
) -> [Result<Row?, any Error>] {
    var answers = [Result<Row?, any Error>](repeating: .success(nil), count: keys.count)
    var found = [Bool](repeating: false, count: keys.count)
    for (index, row) in fetched.rows where fetched.failures[index] == nil {
        if found[index] {
            answers[index] = .failure(
                PostgresSourceError(.duplicateKey, "two rows have the key \(keys[index])", table: table, column: column)
            )
        } else {
            found[index] = true
            answers[index] = .success(row)
        }
    }
    for (index, error) in fetched.failures { answers[index] = .failure(error) }
    return answers
}

/// Each key's rows, in the order read (`[]` when it has none), or the error of a row of it that failed to decode.
func rowsPerKey<Row>(
    _ count: Int,
    _ fetched: (rows: [(index: Int, row: Row)], failures: [Int: any Error])
) -> [Result<[Row], any Error>] {
    var groups = [[Row]](repeating: [], count: count)
    for (index, row) in fetched.rows { groups[index].append(row) }
    return groups.indices.map { index in fetched.failures[index].map { .failure($0) } ?? .success(groups[index]) }
}
