import GBatchy

/// Loads one row per composite key (two or more columns) from a table, one query per tick for all the keys loaded
/// concurrently in a context.
///
/// Create it once with `db.loader(_:table:keys:)`
/// (or its three-column and typed forms). It batches, caches, checks the schema, follows schema changes and fails a
/// row that fails to decode exactly like ``TableLoader``; each key is a tuple, one value per key column, told apart
/// as a ``SQLiteCompositeKey``. The distinct keys of a batch are bound as one JSON array of arrays:
/// `SELECT "t"."col", …, "k"."key" FROM main.json_each(?) AS "k" JOIN "playlist_tracks" AS "t"
/// ON "t"."playlist_id" = +json_extract("k"."value", '$[0]') AND "t"."track_id" = +json_extract("k"."value", '$[1]')`,
/// so each key gets exactly the rows `WHERE "playlist_id" = ? AND "track_id" = ?` gives it, and an index on the key
/// columns answers each key. A batch with a part JSON cannot carry (text containing NUL, `Data`) binds each part as
/// a value instead, `(VALUES (0,?,?),…)` matched by `"t"."playlist_id" = +"k"."p0" AND …`. A key with a `nil` part
/// answers `nil` without a query.
///
/// ```swift
/// struct PlaylistTrack: Decodable, Sendable { let id: Int; let playlistID: Int; let trackID: Int }
///
/// let playlistEntry = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
/// let entry = try await playlistEntry.load((3, 1077))   // one query for every key loaded in the tick
/// ```
///
/// A key that matches two rows fails with ``TableLoaderError/Code/duplicateKey``: use a ``CompositeKeyGroupLoader``
/// for keys that are not unique. `CompositeKeyLoader` is `Sendable`.
public final class CompositeKeyLoader<Key: Sendable, Row: Decodable & Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.(a, b)` unless it was given a name. Its keys are
    /// ``SQLiteCompositeKey`` values.
    public let loader: Loader<SQLiteCompositeKey, Row?>
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
            orderBy: nil,
            descending: false,
            reader: reader
        )
        let answerRows = reader.answerRows
        self.source = source
        self.table = table
        self.keyColumns = keys
        self.identity = identity
        self.loader = Loader(
            name: name ?? "\(table).\(column)",
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
            results: { keys in
                let (rows, failures) = try await source.fetch(keys)
                return answerRows(keys, rows, failures, table, column)
            }
        )
        database.tableLoaders.registry.register(self, table: table)
    }

    /// Loads the row of `key`, and throws when the table has none.
    ///
    /// ```swift
    /// let entry = try await playlistEntry.loadRequired((3, 1077))
    /// ```
    ///
    /// - Parameter key: The key, one value per key column.
    /// - Returns: The row.
    /// - Throws: ``TableLoaderError`` with ``TableLoaderError/Code/notFound``, naming the table, the key columns and
    ///   the key, or what ``load(_:)`` throws.
    @inlinable
    public nonisolated(nonsending) func loadRequired(_ key: Key) async throws -> Row {
        let identity = identity(key)
        guard let row = try await loader.load(identity) else {
            throw TableLoaderError.notFound(table: table, column: compositeKeyName(keyColumns), key: identity)
        }
        return row
    }

    /// The core loader's key for `key`: a ``SQLiteCompositeKey`` of its values' identities.
    ///
    /// - Parameter key: A key, one value per key column.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> SQLiteCompositeKey { identity(key) }
}
