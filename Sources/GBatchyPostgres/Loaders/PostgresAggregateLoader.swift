import GBatchy

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
