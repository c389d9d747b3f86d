import Foundation
import GBatchy
import GBatchySQLCore
import PostgresNIO

extension PostgresSource {
    /// Creates a loader of one row per integer key from `table`: the same call as on SQLite.
    ///
    /// Nothing touches the database until the first load, which checks the table and columns against
    /// `information_schema`. Create it once and share it. For keys of another type, give the key type:
    /// `pg.loader(User.self, table: "users", key: "handle", keyType: String.self)`.
    ///
    /// ```swift
    /// let users = pg.loader(User.self, table: "users", key: "id")
    /// let liveUser = pg.loader(User.self, table: "users", key: "id", where: "deleted_at IS NULL")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name; only the columns it decodes are selected.
    ///   - table: The table (quoted; checked against the schema).
    ///   - key: The key column, unique in the table.
    ///   - filter: A fixed SQL expression every row must also match, with `?` for its values; checked to be one
    ///     expression.
    ///   - values: The filter's values, always bound.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `table.key` by default.
    /// - Returns: The loader.
    @_disfavoredOverload
    public func loader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresTableLoader<Int, Row> {
        loader(
            rowType,
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

    /// Creates a loader of one row per key from `table`, keys of `keyType`.
    ///
    /// ```swift
    /// let byHandle = pg.loader(User.self, table: "users", key: "handle", keyType: String.self)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - key: The key column, unique in the table.
    ///   - keyType: The key type (``PostgresKey``).
    ///   - filter: A fixed SQL expression every row must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key` by default.
    /// - Returns: The loader.
    public func loader<Key: PostgresKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresTableLoader<Key, Row> {
        PostgresTableLoader(
            source: self,
            query: tableQuery(
                Key.self,
                Row.self,
                table: table,
                keys: [key],
                shape: PostgresShape(filter: filter, filterValues: values)
            ),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row of each integer key (a group), optionally filtered, ordered and limited to the
    /// first `limit` rows of each key: the same call as on SQLite.
    ///
    /// ```swift
    /// let published = pg.groupLoader(Post.self, table: "posts", key: "author_id",
    ///                                where: "status = ?", ["published"], orderBy: "id")
    /// let latestComments = pg.groupLoader(Comment.self, table: "comments", key: "post_id",
    ///                                     orderBy: "id", descending: true, limit: 3)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - key: The key column.
    ///   - filter: A fixed SQL expression every row must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - orderBy: The column each key's rows are ordered by, or `nil` for the server's order.
    ///   - descending: Whether the order is descending.
    ///   - limit: At most this many rows per key (`LATERAL … LIMIT`), or `nil` for all.
    ///   - caching: Whether loaded groups stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key[]` by default.
    /// - Returns: The loader.
    @_disfavoredOverload
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresGroupLoader<Int, Row> {
        groupLoader(
            rowType,
            table: table,
            key: key,
            keyType: Int.self,
            where: filter,
            values,
            orderBy: orderBy,
            descending: descending,
            limit: limit,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row of each key of `keyType` (a group).
    ///
    /// ```swift
    /// let byStatus = pg.groupLoader(Post.self, table: "posts", key: "status", keyType: String.self)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table.
    ///   - key: The key column.
    ///   - keyType: The key type (``PostgresKey``).
    ///   - filter: A fixed SQL expression every row must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - orderBy: The column each key's rows are ordered by.
    ///   - descending: Whether the order is descending.
    ///   - limit: At most this many rows per key, or `nil` for all.
    ///   - caching: Whether loaded groups stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key[]` by default.
    /// - Returns: The loader.
    public func groupLoader<Key: PostgresKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresGroupLoader<Key, Row> {
        let shape = PostgresShape(
            filter: filter,
            filterValues: values,
            orderBy: orderBy,
            descending: descending,
            limit: limit,
            primesIdentity: true
        )
        return PostgresGroupLoader(
            source: self,
            query: tableQuery(Key.self, Row.self, table: table, keys: [key], shape: shape),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a many-to-many loader: each integer key's rows of `table` through the join table `through`, whose
    /// `from` column holds the key and `to` column the primary key of `table`.
    ///
    /// ```swift
    /// let tagsOfPost = pg.groupLoader(Tag.self, table: "tags", through: "post_tags",
    ///                                 from: "post_id", to: "tag_id", orderBy: "name")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table of the rows (with a single-column primary key).
    ///   - through: The join table.
    ///   - from: The join table's column holding the key.
    ///   - to: The join table's column holding `table`'s primary key.
    ///   - filter: A fixed SQL expression the rows of `table` must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - orderBy: The column of `table` each key's rows are ordered by.
    ///   - descending: Whether the order is descending.
    ///   - limit: At most this many rows per key, or `nil` for all.
    ///   - caching: Whether loaded groups stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.through.from[]` by default.
    /// - Returns: The loader, cleared by a write to either table.
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        through: String,
        from: String,
        to: String,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresGroupLoader<Int, Row> {
        let shape = PostgresShape(
            filter: filter,
            filterValues: values,
            orderBy: orderBy,
            descending: descending,
            limit: limit,
            through: .init(table: through, from: from, to: to),
            primesIdentity: true
        )
        return PostgresGroupLoader(
            source: self,
            query: tableQuery(Int.self, Row.self, table: table, keys: [from], shape: shape),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of the number of rows of each integer key, `0` for a key without rows.
    ///
    /// ```swift
    /// let commentCount = pg.countLoader(table: "comments", key: "post_id")
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - key: The key column.
    ///   - filter: A fixed SQL expression the counted rows must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - caching: Whether counts stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key count` by default.
    /// - Returns: The loader.
    public func countLoader(
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresCountLoader<Int> {
        aggregateLoader(
            .count,
            none: 0,
            table: table,
            key: key,
            filter: filter,
            values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        ) { row, _ in try row["gbatchy_value"].decode(Int.self) }
    }

    /// Creates a loader of whether each integer key has a row (an `EXISTS`, which stops at the first row).
    ///
    /// ```swift
    /// let hasComments = pg.existsLoader(table: "comments", key: "post_id")
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - key: The key column.
    ///   - filter: A fixed SQL expression the row must also match, with `?` for its values.
    ///   - values: The filter's values, always bound.
    ///   - caching: Whether answers stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key exists` by default.
    /// - Returns: The loader.
    public func existsLoader(
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresExistsLoader<Int> {
        aggregateLoader(
            .exists,
            none: false,
            table: table,
            key: key,
            filter: filter,
            values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        ) { _, _ in true }
    }

    /// A count or exists loader: one value per key, `none` for a key without rows.
    private func aggregateLoader<Value: Sendable>(
        _ aggregate: PostgresShape.Aggregate,
        none: Value,
        table: String,
        key: String,
        filter: String?,
        _ values: [any PostgresEncodable & Sendable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        decode: @escaping @Sendable (PostgresRandomAccessRow, String) throws -> Value
    ) -> PostgresAggregateLoader<Int, Value> {
        let query = PostgresTableQuery<Int, Value>(
            source: self,
            table: table,
            keyColumns: [key],
            shape: PostgresShape(filter: filter, filterValues: values, aggregate: aggregate),
            columns: nil,
            bindKeys: Self.keyBinder(Int.self),
            decodeRow: decode
        )
        return PostgresAggregateLoader(
            source: self,
            query: query,
            none: none,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// The query of a loader of `Row`s decoded by column name, keys of `Key`.
    func tableQuery<Key: PostgresKey, Row: Decodable & Sendable>(
        _ keyType: Key.Type,
        _ rowType: Row.Type,
        table: String,
        keys: [String],
        shape: PostgresShape
    ) -> PostgresTableQuery<Key.PostgresIdentity, Row> {
        PostgresTableQuery(
            source: self,
            table: table,
            keyColumns: keys,
            shape: shape,
            columns: decodedColumns(Row.self),
            bindKeys: Self.keyBinder(Key.self),
            decodeRow: { row, sql in try PostgresRowDecoder(row: row, sql: sql, table: table).decode(Row.self) },
            readKey: Self.valueKeyReader(Key.self)
        )
    }

    /// For integer and UUID keys, which read back exactly as bound: the key of a key column's value; `nil` for text,
    /// which a collation may match with other bytes.
    static func valueKeyReader<Key: PostgresKey>(
        _ keyType: Key.Type
    ) -> (@Sendable (PostgresCell) throws -> Key.PostgresIdentity)? {
        let element = Key.PostgresElement.self
        guard element is any BinaryInteger.Type || element == UUID.self else { return nil }
        return { cell in Key.postgresIdentity(of: try cell.decode(Key.PostgresElement.self)) }
    }

    /// Binds one-column keys as one array; a key no row can have (text with NUL) is not sent.
    static func keyBinder<Key: PostgresKey>(
        _ keyType: Key.Type
    ) -> PostgresKeyBinder<Key.PostgresIdentity> {
        { identities, bindings in
            var elements: [Key.PostgresElement] = []
            elements.reserveCapacity(identities.count)
            var sent: [Int] = []
            sent.reserveCapacity(identities.count)
            for (index, identity) in identities.enumerated() {
                guard let element = Key.postgresElement(identity) else { continue }
                elements.append(element)
                sent.append(index)
            }
            if !sent.isEmpty { try bindings.append(elements) }
            return sent
        }
    }
}
