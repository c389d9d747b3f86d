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
public typealias CountLoader<Key: SQLiteKey> = AggregateLoader<Key, Int>

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
public typealias ExistsLoader<Key: SQLiteKey> = AggregateLoader<Key, Bool>

/// Loads one number per key from a table: a ``CountLoader`` (`Int`) or an ``ExistsLoader`` (`Bool`).
///
/// `AggregateLoader` is `Sendable`.
public final class AggregateLoader<Key: SQLiteKey, Value: Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key count` (or `exists`) unless it was given a name.
    public let loader: Loader<Key.SQLiteIdentity, Value>
    /// The table the loader reads.
    public let table: String
    /// The column compared with the key.
    public let keyColumn: String
    /// The fixed filter (`where:`), or `nil`.
    public let filter: String?

    @usableFromInline
    init(
        counts: Bool,
        database: SQLiteSource,
        table: String,
        key: String,
        filter: String?,
        values: [any SQLiteBindable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<Key.SQLiteIdentity, Int>,
        answer: @escaping @Sendable (Int?) -> Value
    ) {
        self.table = table
        self.keyColumn = key
        self.filter = filter
        let aggregate: LoaderShape.Aggregate = counts ? .count : .exists
        let source = TableSource<Key.SQLiteIdentity, Int>(
            database: database,
            table: table,
            keyColumn: key,
            orderBy: nil,
            descending: false,
            shape: LoaderShape(filter: filter.map { SQLFilter(sql: $0, values: values) }, aggregate: aggregate),
            reader: reader
        )
        let answerRows = reader.answerRows
        let defaultName =
            "\(table).\(key) \(aggregate == .count ? "count" : "exists")" + (filter.map { " where \($0)" } ?? "")
        loader = Loader(
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
        database.tableLoaders.registry.register(self, table: table)
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
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
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key count`.
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
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key count`.
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
            counts: true,
            database: self,
            table: table,
            key: key,
            filter: filter,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader(),
            answer: { $0 ?? 0 }
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
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key exists`.
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
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key exists`.
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
            counts: false,
            database: self,
            table: table,
            key: key,
            filter: filter,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader(),
            answer: { $0 != nil }
        )
    }
}
