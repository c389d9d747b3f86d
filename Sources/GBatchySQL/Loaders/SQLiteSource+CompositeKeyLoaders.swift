import GBatchy

extension SQLiteSource {
    /// Creates a loader of one row per composite key of 2 integer columns from `table`.
    ///
    /// Nothing touches the database until the first load, which checks the table and the key columns
    /// (``SchemaError``). For keys of other types, give the result a type or pass `keyTypes`.
    ///
    /// ```swift
    /// let entries = db.loader(Row.self, table: "t", keys: ("playlist_id", "track_id"))
    /// let entry = try await entries.load((3, 1077))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name; only the columns it decodes are selected.
    ///   - table: The table name (quoted in SQL; checked against the schema).
    ///   - keys: The key columns, unique together in the table.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func loader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyLoader<(Int, Int), Row> {
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

    /// Creates a loader of one row per composite key of 2 columns from `table`, with the key types taken from the
    /// context or `keyTypes`.
    ///
    /// ```swift
    /// let entries = db.loader(Row.self, table: "t", keys: ("playlist_id", "track_id"), keyTypes: (Int.self, String.self))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The key columns, unique together in the table.
    ///   - keyTypes: The type of each key column's value: `Int`, `Int64`, `String`, `UUID` or an optional of one.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)`.
    /// - Returns: The loader.
    @inlinable
    public func loader<A: SQLiteKey, B: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        keyTypes: (A.Type, B.Type) = (A.self, B.self),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyLoader<(A, B), Row> {
        CompositeKeyLoader(
            database: self,
            table: table,
            keys: [keys.0, keys.1],
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            identity: { key in SQLiteCompositeKey(key.0.sqliteIdentity, key.1.sqliteIdentity) },
            reader: RowReader()
        )
    }

    /// Creates a loader of every row whose 2 integer key columns equal a composite key.
    ///
    /// ```swift
    /// let lines = db.groupLoader(Row.self, table: "t", keys: ("playlist_id", "track_id"), orderBy: "id")
    /// let rows = try await lines.load((3, 1077))   // [] when there are none
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The columns compared with the key's values.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)[]`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyGroupLoader<(Int, Int), Row> {
        groupLoader(
            rowType,
            table: table,
            keys: keys,
            keyTypes: (Int.self, Int.self),
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row whose 2 key columns equal a composite key, with the key types taken from the
    /// context or `keyTypes`.
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The columns compared with the key's values.
    ///   - keyTypes: The type of each key column's value.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)[]`.
    /// - Returns: The loader.
    @inlinable
    public func groupLoader<A: SQLiteKey, B: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String),
        keyTypes: (A.Type, B.Type) = (A.self, B.self),
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyGroupLoader<(A, B), Row> {
        CompositeKeyGroupLoader(
            database: self,
            table: table,
            keys: [keys.0, keys.1],
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            identity: { key in SQLiteCompositeKey(key.0.sqliteIdentity, key.1.sqliteIdentity) },
            reader: RowReader()
        )
    }

    /// Creates a loader of one row per composite key of 3 integer columns from `table`.
    ///
    /// Nothing touches the database until the first load, which checks the table and the key columns
    /// (``SchemaError``). For keys of other types, give the result a type or pass `keyTypes`.
    ///
    /// ```swift
    /// let entries = db.loader(Row.self, table: "t", keys: ("invoice_id", "track_id", "quantity"))
    /// let entry = try await entries.load((1, 2, 1))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name; only the columns it decodes are selected.
    ///   - table: The table name (quoted in SQL; checked against the schema).
    ///   - keys: The key columns, unique together in the table.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func loader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String, String),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyLoader<(Int, Int, Int), Row> {
        loader(
            rowType,
            table: table,
            keys: keys,
            keyTypes: (Int.self, Int.self, Int.self),
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of one row per composite key of 3 columns from `table`, with the key types taken from the
    /// context or `keyTypes`.
    ///
    /// ```swift
    /// let entries = db.loader(Row.self, table: "t", keys: ("invoice_id", "track_id", "quantity"), keyTypes: (Int.self, String.self, Int.self))
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The key columns, unique together in the table.
    ///   - keyTypes: The type of each key column's value: `Int`, `Int64`, `String`, `UUID` or an optional of one.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)`.
    /// - Returns: The loader.
    @inlinable
    public func loader<A: SQLiteKey, B: SQLiteKey, C: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String, String),
        keyTypes: (A.Type, B.Type, C.Type) = (A.self, B.self, C.self),
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyLoader<(A, B, C), Row> {
        CompositeKeyLoader(
            database: self,
            table: table,
            keys: [keys.0, keys.1, keys.2],
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            identity: { key in SQLiteCompositeKey(key.0.sqliteIdentity, key.1.sqliteIdentity, key.2.sqliteIdentity) },
            reader: RowReader()
        )
    }

    /// Creates a loader of every row whose 3 integer key columns equal a composite key.
    ///
    /// ```swift
    /// let lines = db.groupLoader(Row.self, table: "t", keys: ("invoice_id", "track_id", "quantity"), orderBy: "id")
    /// let rows = try await lines.load((1, 2, 1))   // [] when there are none
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The columns compared with the key's values.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)[]`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func groupLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String, String),
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyGroupLoader<(Int, Int, Int), Row> {
        groupLoader(
            rowType,
            table: table,
            keys: keys,
            keyTypes: (Int.self, Int.self, Int.self),
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of every row whose 3 key columns equal a composite key, with the key types taken from the
    /// context or `keyTypes`.
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - keys: The columns compared with the key's values.
    ///   - keyTypes: The type of each key column's value.
    ///   - orderBy: The column that orders each key's rows, or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.(a, b)[]`.
    /// - Returns: The loader.
    @inlinable
    public func groupLoader<A: SQLiteKey, B: SQLiteKey, C: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        keys: (String, String, String),
        keyTypes: (A.Type, B.Type, C.Type) = (A.self, B.self, C.self),
        orderBy: String? = nil,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> CompositeKeyGroupLoader<(A, B, C), Row> {
        CompositeKeyGroupLoader(
            database: self,
            table: table,
            keys: [keys.0, keys.1, keys.2],
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            identity: { key in SQLiteCompositeKey(key.0.sqliteIdentity, key.1.sqliteIdentity, key.2.sqliteIdentity) },
            reader: RowReader()
        )
    }
}
