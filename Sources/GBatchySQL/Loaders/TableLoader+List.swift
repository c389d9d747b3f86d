import GBatchy

extension TableLoader {
    /// Loads a list of rows, the root of a request (a list, not a key), in the tick's read snapshot, and primes this
    /// loader with them: a later ``load(_:)`` of any of them in the context runs no query.
    ///
    /// The list is a batch of its own loader in the database's dispatch group, so it runs in the same read
    /// transaction as the other loader queries of its tick; asked twice in a context, it is read once (a write to
    /// the table clears it, as it clears the loader). It sends `SELECT <row columns>, "t"."key" FROM "table" AS "t"
    /// [WHERE (filter)] [ORDER BY "t"."orderBy" [DESC]] [LIMIT ?]`, the loader's own filter ANDed to `filter`.
    ///
    /// ```swift
    /// let albums = db.loader(Album.self, table: "albums", key: "id")
    /// try await withBatchContext {
    ///     let firstAlbums = try await albums.list(orderBy: "id", limit: 100)
    ///     let first = try await albums.load(firstAlbums[0].id)   // no query: primed by the list
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - filter: A fixed SQL expression the rows must match, checked to be one expression with only `?`
    ///     parameters (``LoaderDefinitionError``), or `nil`.
    ///   - values: The values of the filter's `?` parameters, in order; always bound.
    ///   - orderBy: The column that orders the list (checked against the schema), or `nil` for SQLite's order.
    ///   - descending: Whether `orderBy` sorts descending.
    ///   - limit: The most rows, or `nil` for all of them.
    /// - Returns: The rows, in order.
    /// - Throws: ``SchemaError``, ``LoaderDefinitionError``, ``ColumnDecodingError``, ``SQLiteSourceError``, or
    ///   `CancellationError`.
    public nonisolated(nonsending) func list(
        where filter: String? = nil,
        _ values: [any SQLiteBindable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil
    ) async throws -> [Row] {
        let checked = SQLFilter(sql: filter ?? "", values: values)
        if filter != nil { try checked.check(table: table) }
        let bound = try checked.boundValues(table: table)
        guard filter != nil || bound.isEmpty else {
            throw LoaderDefinitionError.invalidFilter("", table: table, reason: "values were given without a filter")
        }
        return try await lists.load(
            ListQuery(filter: filter, values: bound, orderBy: orderBy, descending: descending, limit: limit)
        )
    }
}

extension TableLoader {
    /// Empties this loader's cache in the current context, the rows it loaded by key and the lists it read.
    ///
    /// A write to the table made inside the context calls it.
    ///
    /// ```swift
    /// albums.clearAll()
    /// ```
    public func clearAll() {
        loader.clearAll()
        lists.clearAll()
    }
}

/// The list loader of a by-key loader: each list query read with ``TableSource/list(_:)``, its rows priming `loader`
/// by their key column.
func listLoader<Key: SQLiteKey, Row: Sendable>(
    name: String,
    caching: Bool,
    source: TableSource<Key, Row>,
    priming loader: Loader<Key, Row?>
) -> Loader<ListQuery, [Row]> {
    Loader(
        name: name,
        maxBatchSize: nil,
        caching: caching,
        cachesErrors: false,
        dispatchGroup: source.database.tableLoaders.dispatchGroup(of: source.database),
        results: { queries in
            var results: [Result<[Row], any Error>] = []
            for query in queries {
                do {
                    let rows = try await source.list(query)
                    loader.prime(
                        contentsOf: rows.compactMap { key, row in Key(sqliteKeyValue: key).map { ($0, row) } }
                    )
                    results.append(.success(rows.map(\.row)))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    )
}
