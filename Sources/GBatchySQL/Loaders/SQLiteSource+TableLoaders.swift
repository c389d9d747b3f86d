import GBatchy

extension SQLiteSource {
    /// Creates a loader of one row per integer key from `table`.
    ///
    /// The loader is cheap to create and nothing touches the database until its first load, which checks the table
    /// and columns (``SchemaError``). Create it once and share it: its queue and cache live in each `BatchContext`.
    /// Every loader query of this database in one tick runs in one read transaction (one snapshot). For keys of
    /// another type, give the result a type: `let l: TableLoader<String, User> = db.loader(…)`.
    ///
    /// ```swift
    /// let users = db.loader(User.self, table: "users", key: "id")
    /// let user = try await users.load(1)
    /// let liveUser = db.loader(User.self, table: "users", key: "id", where: "deleted_at IS NULL")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name; only the columns it decodes are selected.
    ///   - table: The table name (quoted in SQL; checked against the schema).
    ///   - key: The key column, unique in the table.
    ///   - filter: A fixed SQL expression every row must also match (`deleted_at IS NULL`), part of the loader's
    ///     identity; checked to be one expression with only `?` parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key` (`table.key[]` for a
    ///     group loader). Give two loaders on one column their own names to count them apart.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func loader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> TableLoader<Int, Row> {
        TableLoader(
            database: self,
            table: table,
            key: key,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            reader: RowReader()
        )
    }

    /// Creates a loader of one row per key from `table`, with the key type taken from the context.
    ///
    /// ```swift
    /// let byHandle: TableLoader<String, User> = db.loader(User.self, table: "users", key: "handle")
    /// let byUUID = db.loader(User.self, table: "users", key: "uuid", keyType: UUID.self)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - key: The key column, unique in the table.
    ///   - filter: A fixed SQL expression every row must also match (`deleted_at IS NULL`), part of the loader's
    ///     identity; checked to be one expression with only `?` parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - keyType: The key type: `Int`, `Int64`, `String`, `UUID` or an optional of one.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key` (`table.key[]` for a
    ///     group loader). Give two loaders on one column their own names to count them apart.
    /// - Returns: The loader.
    @inlinable
    public func loader<Key: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> TableLoader<Key, Row> {
        TableLoader(
            database: self,
            table: table,
            key: key,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            reader: RowReader()
        )
    }

    /// Creates a loader of every row whose integer column `key` equals the key (a one-to-many relation).
    ///
    /// ```swift
    /// let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
    /// let posts = try await postsByAuthor.load(1)   // [] when the author has none
    ///
    /// // Only the published posts: the filter is part of the loader, its values are bound.
    /// let published = db.groupLoader(Post.self, table: "posts", key: "author_id",
    ///                                where: "status = ?", ["published"], orderBy: "id")
    /// // At most 3 rows per key, in order: one statement with a row_number() window.
    /// let latestComments = db.groupLoader(Comment.self, table: "comments", key: "post_id",
    ///                                     orderBy: "id", descending: true, limit: 3)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - filter: A fixed SQL expression every row must also match (`status = ?`), part of the loader's identity;
    ///     checked to be one expression with only `?` parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - limit: At most this many rows for each key (the first in `orderBy` order), or `nil` for all of them:
    ///     one statement with a `row_number()` window.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key` (`table.key[]` for a
    ///     group loader). Give two loaders on one column their own names to count them apart.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> GroupLoader<Int, Row> {
        GroupLoader(
            database: self,
            table: table,
            key: key,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            limit: limit,
            reader: RowReader()
        )
    }

    /// Creates a loader of every row whose column `key` equals the key, with the key type taken from the context.
    ///
    /// ```swift
    /// let tracksByComposer: GroupLoader<String?, Track> = db.groupLoader(Track.self, table: "tracks", key: "composer")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - keyType: The key type.
    ///   - filter: A fixed SQL expression every row must also match (`status = ?`), part of the loader's identity;
    ///     checked to be one expression with only `?` parameters (``LoaderDefinitionError``).
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - limit: At most this many rows for each key (the first in `orderBy` order), or `nil` for all of them:
    ///     one statement with a `row_number()` window.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key` (`table.key[]` for a
    ///     group loader). Give two loaders on one column their own names to count them apart.
    /// - Returns: The loader.
    @inlinable
    public func groupLoader<Key: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> GroupLoader<Key, Row> {
        GroupLoader(
            database: self,
            table: table,
            key: key,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            limit: limit,
            reader: RowReader()
        )
    }
}

/// The same loaders for ``SQLiteRowDecodable`` rows, read by position from the columns they name.
extension SQLiteSource {
    /// Creates a loader of one row per integer key from `table`, with rows read by position: see
    /// ``loader(_:table:key:caching:maxBatchSize:name:)``.
    ///
    /// ```swift
    /// let items = db.loader(Item.self, table: "items", key: "id")   // Item: SQLiteRowDecodable
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type; the loader selects `Row.columns`, in order.
    ///   - table: The table name.
    ///   - key: The key column, unique in the table.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func loader<Row: SQLiteRowDecodable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> TableLoader<Int, Row> {
        loader(
            rowType,
            table: table,
            key: key,
            keyType: Int.self,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of one row per key from `table`, with rows read by position: see
    /// ``loader(_:table:key:keyType:caching:maxBatchSize:name:)``.
    ///
    /// ```swift
    /// let byName: TableLoader<String, Item> = db.loader(Item.self, table: "items", key: "name")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type; the loader selects `Row.columns`, in order.
    ///   - table: The table name.
    ///   - key: The key column, unique in the table.
    ///   - keyType: The key type.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key`.
    /// - Returns: The loader.
    @inlinable
    public func loader<Key: SQLiteKey, Row: SQLiteRowDecodable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> TableLoader<Key, Row> {
        TableLoader(
            database: self,
            table: table,
            key: key,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader()
        )
    }

    /// Creates a loader of every row whose integer column `key` equals the key, with rows read by position: see
    /// ``groupLoader(_:table:key:orderBy:descending:caching:maxBatchSize:name:)``.
    ///
    /// ```swift
    /// let children = db.groupLoader(Item.self, table: "items", key: "parent_id", orderBy: "id")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type; the loader selects `Row.columns`, in order.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key[]`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func groupLoader<Row: SQLiteRowDecodable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> GroupLoader<Int, Row> {
        groupLoader(
            rowType,
            table: table,
            key: key,
            keyType: Int.self,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row whose column `key` equals the key, with rows read by position: see
    /// ``groupLoader(_:table:key:keyType:orderBy:descending:caching:maxBatchSize:name:)``.
    ///
    /// ```swift
    /// let byName: GroupLoader<String, Item> = db.groupLoader(Item.self, table: "items", key: "name")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type; the loader selects `Row.columns`, in order.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - keyType: The key type.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key[]`.
    /// - Returns: The loader.
    @inlinable
    public func groupLoader<Key: SQLiteKey, Row: SQLiteRowDecodable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> GroupLoader<Key, Row> {
        GroupLoader(
            database: self,
            table: table,
            key: key,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader()
        )
    }
}
