import GBatchy

/// Loads how many rows of a table have each key, one query per tick for all the keys loaded concurrently in a
/// context; `0` for a key with none.
///
/// Create it once with ``SQLiteSource/countLoader(table:key:where:_:caching:maxBatchSize:name:)``. It sends
/// `SELECT count(*), "k"."key" FROM main.json_each(?) AS "k" JOIN "table" AS "t" ON "t"."key" = +"k"."value"
/// GROUP BY "k"."key"` (with a filter, the table is read through `(SELECT * FROM "table" AS "t" WHERE (filter))`),
/// and batches, caches, matches keys and checks the schema like ``TableLoader``; a write to its table clears it.
///
/// ```swift
/// let commentCount = db.countLoader(table: "comments", key: "post_id")
/// let counts = try await commentCount.loadAll([1, 2, 3])   // [3, 0, 1]: one query
/// ```
///
/// `CountLoader` is `Sendable`.
public final class CountLoader<Key: SQLiteKey>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key count` unless it was given a name.
    public let loader: Loader<Key.SQLiteIdentity, Int>
    /// The table the loader counts rows of.
    public let table: String
    /// The column compared with the key.
    public let keyColumn: String
    /// The fixed filter (`where:`), or `nil`.
    public let filter: String?

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        key: String,
        filter: String?,
        values: [any SQLiteBindable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<Key.SQLiteIdentity, Int>
    ) {
        self.table = table
        self.keyColumn = key
        self.filter = filter
        loader = aggregateLoader(
            .count,
            database: database,
            table: table,
            key: key,
            filter: filter.map { SQLFilter(sql: $0, values: values) },
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: reader
        ) { $0 ?? 0 }
        database.tableLoaders.registry.register(self, table: table)
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
}

/// Loads whether a table has a row with each key, one query per tick for all the keys loaded concurrently in a
/// context.
///
/// Create it once with ``SQLiteSource/existsLoader(table:key:where:_:caching:maxBatchSize:name:)``. It sends
/// `SELECT 1, "k"."key" FROM main.json_each(?) AS "k" WHERE EXISTS (SELECT 1 FROM "table" AS "t" WHERE
/// "t"."key" = +"k"."value")`, which stops at each key's first row, and batches, caches, matches keys and checks the
/// schema like ``TableLoader``; a write to its table clears it.
///
/// ```swift
/// let hasComments = db.existsLoader(table: "comments", key: "post_id")
/// if try await hasComments.load(7) { print("post 7 has comments") }
/// ```
///
/// `ExistsLoader` is `Sendable`.
public final class ExistsLoader<Key: SQLiteKey>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key exists` unless it was given a name.
    public let loader: Loader<Key.SQLiteIdentity, Bool>
    /// The table the loader looks for rows in.
    public let table: String
    /// The column compared with the key.
    public let keyColumn: String
    /// The fixed filter (`where:`), or `nil`.
    public let filter: String?

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        key: String,
        filter: String?,
        values: [any SQLiteBindable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<Key.SQLiteIdentity, Int>
    ) {
        self.table = table
        self.keyColumn = key
        self.filter = filter
        loader = aggregateLoader(
            .exists,
            database: database,
            table: table,
            key: key,
            filter: filter.map { SQLFilter(sql: $0, values: values) },
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: reader
        ) { $0 != nil }
        database.tableLoaders.registry.register(self, table: table)
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
}

/// The core loader of a count or exists loader: one number per key from a ``TableSource`` of that aggregate, turned
/// into the answer by `answer` (`nil` for a key without a row).
private func aggregateLoader<Key: SQLiteKey, Value: Sendable>(
    _ aggregate: LoaderShape.Aggregate,
    database: SQLiteSource,
    table: String,
    key: String,
    filter: SQLFilter?,
    caching: Bool,
    maxBatchSize: Int?,
    name: String?,
    reader: RowReader<Key, Int>,
    answer: @escaping @Sendable (Int?) -> Value
) -> Loader<Key, Value> {
    let source = TableSource<Key, Int>(
        database: database,
        table: table,
        keyColumn: key,
        orderBy: nil,
        descending: false,
        shape: LoaderShape(filter: filter, aggregate: aggregate),
        reader: reader
    )
    let answerRows = reader.answerRows
    var defaultName = "\(table).\(key) \(aggregate == .count ? "count" : "exists")"
    if let filter { defaultName += " where \(filter.sql)" }
    return Loader(
        name: name ?? defaultName,
        maxBatchSize: maxBatchSize,
        caching: caching,
        cachesErrors: false,
        dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
        results: { keys in
            let (rows, failures) = try await source.fetch(keys)
            return answerRows(keys, rows, failures, table, key).map { $0.map(answer) }
        }
    )
}

extension SQLiteSource {
    /// Creates a loader of how many rows of `table` have each integer key in column `key`: `0` for none.
    ///
    /// ```swift
    /// let commentCount = db.countLoader(table: "comments", key: "post_id")
    /// let published = db.countLoader(table: "posts", key: "author_id", where: "status = ?", ["published"])
    /// let count = try await commentCount.load(1)
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table name (quoted in SQL; checked against the schema).
    ///   - key: The column compared with the key.
    ///   - filter: A fixed SQL expression the counted rows must also match, checked to be one expression with only
    ///     `?` parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - caching: Whether loaded counts stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and ``BatchStatistics``; `nil` for `table.key count`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func countLoader(
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CountLoader<Int> {
        countLoader(
            table: table,
            key: key,
            keyType: Int.self,
            where: filter,
            values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of how many rows of `table` have each key in column `key`, with the key type taken from the
    /// context: `0` for none.
    ///
    /// ```swift
    /// let tracksByComposer = db.countLoader(table: "tracks", key: "composer", keyType: String.self)
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - keyType: The key type.
    ///   - filter: A fixed SQL expression the counted rows must also match.
    ///   - values: The values of the filter's `?` parameters, in order.
    ///   - caching: Whether loaded counts stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and ``BatchStatistics``; `nil` for `table.key count`.
    /// - Returns: The loader.
    @inlinable
    public func countLoader<Key: SQLiteKey>(
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CountLoader<Key> {
        CountLoader(
            database: self,
            table: table,
            key: key,
            filter: filter,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader()
        )
    }

    /// Creates a loader of whether `table` has a row with each integer key in column `key`.
    ///
    /// ```swift
    /// let hasComments = db.existsLoader(table: "comments", key: "post_id")
    /// let answers = try await hasComments.loadAll([1, 2])   // [true, false]: one query
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table name (quoted in SQL; checked against the schema).
    ///   - key: The column compared with the key.
    ///   - filter: A fixed SQL expression the row must also match, checked to be one expression with only `?`
    ///     parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - caching: Whether loaded answers stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and ``BatchStatistics``; `nil` for `table.key exists`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func existsLoader(
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> ExistsLoader<Int> {
        existsLoader(
            table: table,
            key: key,
            keyType: Int.self,
            where: filter,
            values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of whether `table` has a row with each key in column `key`, with the key type taken from
    /// the context.
    ///
    /// ```swift
    /// let hasHandle = db.existsLoader(table: "users", key: "handle", keyType: String.self)
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - keyType: The key type.
    ///   - filter: A fixed SQL expression the row must also match.
    ///   - values: The values of the filter's `?` parameters, in order.
    ///   - caching: Whether loaded answers stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and ``BatchStatistics``; `nil` for `table.key exists`.
    /// - Returns: The loader.
    @inlinable
    public func existsLoader<Key: SQLiteKey>(
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> ExistsLoader<Key> {
        ExistsLoader(
            database: self,
            table: table,
            key: key,
            filter: filter,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader()
        )
    }
}
