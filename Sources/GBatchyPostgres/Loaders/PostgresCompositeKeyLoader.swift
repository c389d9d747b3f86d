import GBatchy
import GBatchySQLCore
import PostgresNIO

/// A two-column key as the core loader tells keys apart: each value by its ``PostgresKey/postgresIdentity``.
public struct PostgresKeyPair<A: Hashable & Sendable, B: Hashable & Sendable>: Hashable, Sendable,
    CustomStringConvertible
{
    /// The first column's value.
    public let first: A
    /// The second column's value.
    public let second: B

    /// Pairs two values.
    ///
    /// - Parameters:
    ///   - first: The first column's value.
    ///   - second: The second column's value.
    public init(_ first: A, _ second: B) {
        self.first = first
        self.second = second
    }

    /// `(first, second)`.
    public var description: String { "(\(first), \(second))" }
}

/// Loads one row per two-column key, one statement per tick: the keys are bound as two arrays,
/// `unnest($1, $2) WITH ORDINALITY AS "k"("v0", "v1", "position")`, and each row matches both columns.
///
/// ```swift
/// let playlistEntry = pg.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
/// let entry = try await playlistEntry.load((3, 1077))
/// ```
public final class PostgresCompositeKeyLoader<A: PostgresKey, B: PostgresKey, Row: Sendable>: KeyedLoader,
    PostgresCacheClearing
{
    /// The core loader underneath, named `table.(a, b)` unless it was given a name.
    public let loader: Loader<PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity>, Row?>
    /// The table the loader reads.
    public let table: String
    /// The key columns.
    public let keyColumns: (String, String)

    init(
        source: PostgresSource,
        query: PostgresTableQuery<PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity>, Row>,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = query.table
        self.keyColumns = (query.keyColumns[0], query.keyColumns[1])
        let (table, column) = (query.table, query.keyName)
        loader = Loader(
            name: name ?? query.shape.defaultName(table: table, key: column, groups: false),
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in oneRowPerKey(keys, try await query.fetch(keys), table: table, column: column) }
        )
        source.registry.register(self, tables: [table])
    }

    /// The core loader's key for `key`.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: (A, B)) -> PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity> {
        PostgresKeyPair(key.0.postgresIdentity, key.1.postgresIdentity)
    }
}

/// Loads every row of each two-column key (a group), one statement per tick.
///
/// ```swift
/// let lines = pg.groupLoader(Line.self, table: "invoice_lines", keys: ("invoice_id", "track_id"), orderBy: "id")
/// ```
public final class PostgresCompositeKeyGroupLoader<A: PostgresKey, B: PostgresKey, Row: Sendable>: KeyedLoader,
    PostgresCacheClearing
{
    /// The core loader underneath, named `table.(a, b)[]` unless it was given a name.
    public let loader: Loader<PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity>, [Row]>
    /// The table the loader reads.
    public let table: String

    init(
        source: PostgresSource,
        query: PostgresTableQuery<PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity>, Row>,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = query.table
        loader = Loader(
            name: name ?? query.shape.defaultName(table: query.table, key: query.keyName, groups: true),
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in rowsPerKey(keys.count, try await query.fetch(keys)) }
        )
        source.registry.register(self, tables: [query.table])
    }

    /// The core loader's key for `key`.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: (A, B)) -> PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity> {
        PostgresKeyPair(key.0.postgresIdentity, key.1.postgresIdentity)
    }
}

extension PostgresSource {
    /// Creates a loader of one row per two-column integer key.
    ///
    /// ```swift
    /// let playlistEntry = pg.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - keys: The key columns, unique together in the table.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.(a, b)` by default.
    /// - Returns: The loader.
    @_disfavoredOverload
    public func loader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresCompositeKeyLoader<Int, Int, Row> {
        loader(
            rowType,
            table: table,
            keys: keys,
            keyTypes: (Int.self, Int.self),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of one row per two-column key of the given types.
    ///
    /// ```swift
    /// let entry = pg.loader(Row.self, table: "t", keys: ("a", "b"), keyTypes: (Int.self, String.self))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - keys: The key columns, unique together in the table.
    ///   - keyTypes: The type of each column's value.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.(a, b)` by default.
    /// - Returns: The loader.
    public func loader<A: PostgresKey, B: PostgresKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        keyTypes: (A.Type, B.Type) = (A.self, B.self),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresCompositeKeyLoader<A, B, Row> {
        PostgresCompositeKeyLoader(
            source: self,
            query: pairQuery(
                A.self,
                B.self,
                Row.self,
                table: table,
                keys: keys,
                orderBy: nil
            ),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row of each two-column integer key (a group).
    ///
    /// ```swift
    /// let lines = pg.groupLoader(Line.self, table: "invoice_lines", keys: ("invoice_id", "track_id"), orderBy: "id")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - keys: The columns compared with the key's values.
    ///   - orderBy: The column each key's rows are ordered by.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.(a, b)[]` by default.
    /// - Returns: The loader.
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        orderBy: String? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresCompositeKeyGroupLoader<Int, Int, Row> {
        PostgresCompositeKeyGroupLoader(
            source: self,
            query: pairQuery(
                Int.self,
                Int.self,
                Row.self,
                table: table,
                keys: keys,
                orderBy: orderBy
            ),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    private func pairQuery<A: PostgresKey, B: PostgresKey, Row: Decodable & Sendable>(
        _ a: A.Type,
        _ b: B.Type,
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        orderBy: String?
    ) -> PostgresTableQuery<PostgresKeyPair<A.PostgresIdentity, B.PostgresIdentity>, Row> {
        PostgresTableQuery(
            source: self,
            table: table,
            keyColumns: [keys.0, keys.1],
            shape: PostgresShape(orderBy: orderBy),
            columns: decodedColumns(Row.self),
            bindKeys: { pairs, bindings in
                var first: [A.PostgresElement] = []
                var second: [B.PostgresElement] = []
                var sent: [Int] = []
                for (index, pair) in pairs.enumerated() {
                    guard let a = A.postgresElement(pair.first), let b = B.postgresElement(pair.second) else {
                        continue
                    }
                    first.append(a)
                    second.append(b)
                    sent.append(index)
                }
                if !sent.isEmpty {
                    try bindings.append(first)
                    try bindings.append(second)
                }
                return sent
            },
            decodeRow: { row, sql in try PostgresRowDecoder(row: row, sql: sql, table: table).decode(Row.self) }
        )
    }
}
