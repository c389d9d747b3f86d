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
