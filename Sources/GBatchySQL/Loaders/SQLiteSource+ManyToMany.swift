import GBatchy

extension SQLiteSource {
    /// Creates a loader of the rows of `table` related to each integer key through a join table (a many-to-many
    /// relation), one query per tick for all the keys.
    ///
    /// The key is compared with the join table's `from` column, and its `to` column with the primary key of `table`:
    ///
    /// ```swift
    /// let tagsOfPost = db.groupLoader(Tag.self, table: "tags", through: "post_tags",
    ///                                 from: "post_id", to: "tag_id", orderBy: "name")
    /// let tags = try await tagsOfPost.load(1)   // [] when the post has none
    /// ```
    ///
    /// It sends `SELECT "t"."id", "t"."name", "k"."key" FROM main.json_each(?) AS "k" JOIN "post_tags" AS "j"
    /// ON "j"."post_id" = +"k"."value" JOIN "tags" AS "t" ON "t"."id" = "j"."tag_id" ORDER BY "k"."key", "t"."name"`.
    /// A write to either table clears it. The rows it reads prime the context's by-primary-key loader of `table` and
    /// `Row`, when one exists.
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table of the rows; it needs a single-column primary key (``LoaderDefinitionError``).
    ///   - through: The join table.
    ///   - from: The join table's column compared with the key.
    ///   - to: The join table's column that holds the primary key of `table`.
    ///   - filter: A fixed SQL expression on `table`'s columns every row must also match.
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - orderBy: The column of `table` that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - limit: At most this many rows for each key, or `nil` for all of them.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.through.from[]`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        through: String,
        from: String,
        to: String,
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
            key: from,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            limit: limit,
            through: (through, from, to),
            reader: RowReader()
        )
    }

    /// Creates a loader of the rows of `table` related to each key through a join table, with the key type taken
    /// from the context.
    ///
    /// ```swift
    /// let tracksOfPlaylist: GroupLoader<Int64, Track> = db.groupLoader(
    ///     Track.self, table: "tracks", through: "playlist_tracks", from: "playlist_id", to: "track_id")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table of the rows; it needs a single-column primary key.
    ///   - through: The join table.
    ///   - from: The join table's column compared with the key.
    ///   - to: The join table's column that holds the primary key of `table`.
    ///   - keyType: The key type.
    ///   - filter: A fixed SQL expression on `table`'s columns every row must also match.
    ///   - values: The values of the filter's `?` parameters, in order.
    ///   - orderBy: The column of `table` that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - limit: At most this many rows for each key, or `nil` for all of them.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.through.from[]`.
    /// - Returns: The loader.
    @inlinable
    public func groupLoader<Key: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        through: String,
        from: String,
        to: String,
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
            key: from,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            filter: filter,
            values: values,
            limit: limit,
            through: (through, from, to),
            reader: RowReader()
        )
    }
}
