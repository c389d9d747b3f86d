import GBatchy

/// Loads every row whose key columns equal a composite key (two or more columns), one query per tick for all the
/// keys loaded concurrently in a context.
///
/// Create it with `db.groupLoader(_:table:keys:orderBy:)`.
/// It answers like ``GroupLoader`` (the rows of the key in `orderBy` order, `[]` when there are none) and matches keys
/// like ``CompositeKeyLoader``; with an `orderBy` the join ends with `ORDER BY "k"."key", "t"."orderBy"`.
///
/// ```swift
/// let lines = db.groupLoader(InvoiceItem.self, table: "invoice_items", keys: ("invoice_id", "track_id"))
/// let rows = try await lines.load((1, 2))
/// ```
///
/// `CompositeKeyGroupLoader` is `Sendable`.
public final class CompositeKeyGroupLoader<Key: Sendable, Row: Decodable & Sendable>: KeyedLoader,
    TableCacheInvalidating
{
    /// The core loader underneath, named `table.(a, b)[]` unless it was given a name. Its keys are
    /// ``SQLiteCompositeKey`` values.
    public let loader: Loader<SQLiteCompositeKey, [Row]>
    /// The table the loader reads.
    public let table: String
    /// The key columns, in the order of each key's values.
    public let keyColumns: [String]
    /// How a caller's tuple becomes a composite key.
    @usableFromInline let identity: @Sendable (Key) -> SQLiteCompositeKey
    private let source: TableSource<SQLiteCompositeKey, Row>

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        keys: [String],
        orderBy: String?,
        descending: Bool,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        identity: @escaping @Sendable (Key) -> SQLiteCompositeKey,
        reader: RowReader<SQLiteCompositeKey, Row>
    ) {
        let column = compositeKeyName(keys)
        let source = TableSource<SQLiteCompositeKey, Row>(
            database: database,
            table: table,
            keyColumn: column,
            compositeKeyColumns: keys,
            orderBy: orderBy,
            descending: descending,
            reader: reader
        )
        let answerGroups = reader.answerGroups
        self.source = source
        self.table = table
        self.keyColumns = keys
        self.identity = identity
        self.loader = Loader(
            name: name ?? "\(table).\(column)[]",
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

    /// The core loader's key for `key`: a ``SQLiteCompositeKey`` of its values' identities.
    ///
    /// - Parameter key: A key, one value per key column.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> SQLiteCompositeKey { identity(key) }
}

/// The key columns as one name for errors and the core loader's name: `(playlist_id, track_id)`.
@usableFromInline
func compositeKeyName(_ columns: [String]) -> String {
    "(" + columns.joined(separator: ", ") + ")"
}
