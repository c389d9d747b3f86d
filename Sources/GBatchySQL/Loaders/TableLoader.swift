import GBatchy

/// Loads one row per key from a table, one query per tick for all the keys loaded concurrently in a context.
///
/// Create it once per database and table with ``SQLiteSource/loader(_:table:key:where:_:caching:maxBatchSize:name:)`` and share
/// it across requests. Inside a `BatchContext`, every `load` issued in the same tick becomes one query,
/// `SELECT "t"."col", …, "k"."key" FROM main.json_each(?) AS "k" JOIN "table" AS "t" ON "t"."key" = +"k"."value"`,
/// binding the distinct keys as one JSON array (a batch with a key JSON cannot carry exactly, text containing NUL or a
/// `Data` blob, binds one value per key instead, in a `VALUES` list padded to a few fixed lengths); each caller gets
/// its own row, or `nil` when there is none. Each row
/// comes back with the position of the key it matched, so a key gets exactly the rows `WHERE "key" = ?` would give
/// it (the column's collation and affinity, byte-wise text): two keys `NOCASE` equates both get the row, and
/// canonically equivalent but different strings stay different keys (``SQLiteKey/sqliteIdentity``), in the batch
/// and in the cache. Only the columns `Row` decodes are selected. The table and columns are checked against the
/// schema at first use (``SchemaError``), and again by the first batch that reads a changed schema, which answers
/// with it: an optional column dropped or renamed away decodes as `nil`, and is read again once it is back. A row
/// that fails to decode fails its own key with a ``ColumnDecodingError``; the other keys of the batch get their rows.
/// All loader queries of one database in one tick run in one read transaction, so they see the same snapshot. Loaded
/// rows are cached in the context (the core `Loader`'s cache); a ``SQLiteSource/write(_:)`` made inside the
/// context clears the cache of the tables it wrote.
///
/// ```swift
/// struct User: Decodable, Sendable { let id: Int; let handle: String }
///
/// let users = db.loader(User.self, table: "users", key: "id")
/// try await withBatchContext {
///     async let a = users.load(1)
///     async let b = users.load(2)
///     let (ann, bob) = try await (a, b)   // one query, keys [1, 2]
/// }
/// ```
///
/// A key that matches two rows fails with ``TableLoaderError/Code/duplicateKey``: use a ``GroupLoader`` for keys
/// that are not unique. `TableLoader` is `Sendable`.
public final class TableLoader<Key: SQLiteKey, Row: Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key` unless it was given a name: use it with `BatchStatistics` or other GBatchy helpers. Its
    /// keys are the keys' ``SQLiteKey/sqliteIdentity``, which tells keys apart as SQLite does.
    public let loader: Loader<Key.SQLiteIdentity, Row?>
    /// The table the loader reads.
    public let table: String
    /// The key column.
    public let keyColumn: String
    /// The fixed filter (`where:`), or `nil`.
    public let filter: String?
    /// The loader of ``list(where:_:orderBy:descending:limit:)``, one statement per list query.
    let lists: Loader<ListQuery, [Row]>
    private let source: TableSource<Key.SQLiteIdentity, Row>
    /// Identity priming (``RowReader/primeRows``), specialized for `Key` and `Row` where the loader was declared.
    let primeWithReader: @Sendable (Loader<Key.SQLiteIdentity, Row?>, [SQLiteValue], [(index: Int, row: Row)]) -> Void

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        key: String,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        filter: String? = nil,
        values: [any SQLiteBindable] = [],
        reader: RowReader<Key.SQLiteIdentity, Row>
    ) {
        let source = TableSource<Key.SQLiteIdentity, Row>(
            database: database,
            table: table,
            keyColumn: key,
            orderBy: nil,
            descending: false,
            shape: LoaderShape(filter: filter.map { SQLFilter(sql: $0, values: values) }),
            reader: reader
        )
        let answerRows = reader.answerRows
        self.source = source
        self.primeWithReader = reader.primeRows
        self.table = table
        self.keyColumn = key
        let column = key
        self.filter = filter
        let loaderName = name ?? "\(table).\(key)" + (filter.map { " where \($0)" } ?? "")
        let loader = Loader(
            name: loaderName,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
            results: { keys in
                let (rows, failures) = try await source.fetch(keys)
                return answerRows(keys, rows, failures, table, column)
            }
        )
        self.loader = loader
        self.lists = listLoader(name: "\(loaderName) list", caching: caching, source: source, priming: loader)
        database.tableLoaders.registry.register(self, table: table)
        // A filtered loader answers `nil` for rows outside its filter: rows read by others must not prime it.
        if filter == nil { database.tableLoaders.identities.register(self, table: table, rowType: Row.self) }
    }

    /// Loads the row of `key`, and throws when the table has none.
    ///
    /// ```swift
    /// let user = try await users.loadRequired(1)
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: The row.
    /// - Throws: ``TableLoaderError`` with ``TableLoaderError/Code/notFound``, naming the table, the key column and
    ///   the key, or what ``load(_:)`` throws.
    @inlinable
    public nonisolated(nonsending) func loadRequired(_ key: Key) async throws -> Row {
        guard let row = try await loader.load(key.sqliteIdentity) else {
            throw TableLoaderError.notFound(table: table, column: keyColumn, key: key)
        }
        return row
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
}
