import GBatchy

/// Loads every row whose column equals the key (a one-to-many relation), one query per tick for all the keys loaded
/// concurrently in a context.
///
/// Create it once with ``SQLiteSource/groupLoader(_:table:key:where:_:orderBy:descending:limit:caching:maxBatchSize:name:)``. It
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
public final class GroupLoader<Key: SQLiteKey, Row: Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key[]` unless it was given a name: use it with `BatchStatistics` or other GBatchy helpers.
    /// Its keys are the keys' ``SQLiteKey/sqliteIdentity``, which tells keys apart as SQLite does.
    public let loader: Loader<Key.SQLiteIdentity, [Row]>
    /// The table the loader reads.
    public let table: String
    /// The column the key is compared with (the join table's `from` column for a many-to-many loader).
    public let keyColumn: String
    /// The fixed filter (`where:`), or `nil`.
    public let filter: String?
    /// The most rows each key answers (`limit:`), or `nil` for all of them.
    public let limit: Int?
    /// The join table of a many-to-many loader (`through:`), or `nil`.
    public let throughTable: String?
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
        filter: String? = nil,
        values: [any SQLiteBindable] = [],
        limit: Int? = nil,
        through: (table: String, from: String, to: String)? = nil,
        reader: RowReader<Key.SQLiteIdentity, Row>
    ) {
        let shape = LoaderShape(
            filter: filter.map { SQLFilter(sql: $0, values: values) },
            limit: limit,
            through: through.map { LoaderShape.JoinTable(table: $0.table, from: $0.from, to: $0.to) },
            primesIdentity: true
        )
        let source = TableSource<Key.SQLiteIdentity, Row>(
            database: database,
            table: table,
            keyColumn: through?.from ?? key,
            orderBy: orderBy,
            descending: descending,
            shape: shape,
            reader: reader
        )
        let answerGroups = reader.answerGroups
        self.source = source
        self.table = table
        self.keyColumn = key
        self.filter = filter
        self.limit = limit
        self.throughTable = through?.table
        self.loader = Loader(
            name: name ?? shape.defaultName(table: table, key: through?.from ?? key),
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
        // A many-to-many loader reads two tables: a write to either clears it.
        if let through { database.tableLoaders.registry.register(self, table: through.table) }
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
}
