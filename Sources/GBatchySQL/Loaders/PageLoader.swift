import GBatchy

/// Loads pages of every row whose column equals the key (GraphQL connections), one query per tick for all the keys
/// loaded concurrently in a context, each key with its own cursor and page size.
///
/// Create it once with ``SQLiteSource/pageLoader(_:table:key:orderBy:descending:caching:maxBatchSize:name:)``. Each
/// request `load(key, first:, after:)` answers a `RowPage`: at most `first` rows after the cursor, in `orderBy`
/// order (ties broken by the table's primary key, or its `rowid` when it has none), whether more follow, and the
/// cursor of the last row. The requests of a batch are bound as one JSON array of `[key, first, cursor]` and
/// answered by one statement, which numbers each key's rows after its cursor with a window function and keeps
/// `first + 1` of them (the extra row tells `hasNextPage`):
///
/// ```sql
/// SELECT * FROM (SELECT "t"."id", …, "k"."key", <the row's cursor> AS "gbatchy_cursor",
///     row_number() OVER (PARTITION BY "k"."key" ORDER BY "t"."id") AS "gbatchy_row",
///     json_extract("k"."value", '$[1]') AS "gbatchy_first"
///   FROM main.json_each(?) AS "k" JOIN "posts" AS "t" ON "t"."author_id" = +json_extract("k"."value", '$[0]')
///   AND (json_extract("k"."value", '$[2]') IS NULL OR <the row comes after the cursor>))
/// WHERE "gbatchy_row" <= "gbatchy_first" + 1 ORDER BY <key position>, "gbatchy_row"
/// ```
///
/// Keys match as in ``GroupLoader``; the schema is checked and followed as in ``TableLoader``. A cursor holds the
/// row's `orderBy` and tie-break values (`PageCursor`): pages walked with `endCursor` visit every row once, even
/// while rows are inserted before the cursor. `NULL` `orderBy` values sort first (last when descending), as in
/// SQLite. `REAL` values travel as 20 significant digits; `BLOB` values cannot be cursors (the query fails).
///
/// ```swift
/// let postsPage = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
/// let page = try await postsPage.load(7, first: 10, after: cursor)   // page.rows, page.hasNextPage, page.endCursor
/// ```
///
/// `PageLoader` is `Sendable`.
public final class PageLoader<Key: SQLiteKey, Row: Decodable & Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `table.key[page]` unless it was given a name. Its keys are requests with
    /// the keys' ``SQLiteKey/sqliteIdentity``.
    public let loader: Loader<PageKey<Key.SQLiteIdentity>, RowPage<Row>>
    /// The table the loader reads.
    public let table: String
    /// The column the key is compared with.
    public let keyColumn: String
    /// The column that orders each key's rows.
    public let orderBy: String
    private let source: TableSource<PageKey<Key.SQLiteIdentity>, PageRow<Row>>

    @usableFromInline
    init(
        database: SQLiteSource,
        table: String,
        key: String,
        orderBy: String,
        descending: Bool,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<PageKey<Key.SQLiteIdentity>, PageRow<Row>>
    ) {
        let source = TableSource<PageKey<Key.SQLiteIdentity>, PageRow<Row>>(
            database: database,
            table: table,
            keyColumn: key,
            compositeKeyColumns: [key],
            orderBy: orderBy,
            descending: descending,
            pages: true,
            reader: reader
        )
        let answerGroups = reader.answerGroups
        self.source = source
        self.table = table
        self.keyColumn = key
        self.orderBy = orderBy
        self.loader = Loader(
            name: name ?? "\(table).\(key)[page]",
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
            results: { requests in
                // A negative size fails its request alone, before the query.
                let sizes = requests.indices.filter { requests[$0].first < 0 }
                let sent = sizes.isEmpty ? requests : requests.filter { $0.first >= 0 }
                let (rows, failures) = try await source.fetch(sent)
                let width = source.cursorWidth
                var answers = zip(sent, answerGroups(sent, rows, failures)).map { request, result in
                    result.flatMap { rows in page(of: request, rows, cursorWidth: width, table: table) }
                }
                for index in sizes {
                    answers.insert(
                        .failure(PageLoaderError.invalidPageSize(requests[index].first, table: table)),
                        at: index
                    )
                }
                return answers
            }
        )
        database.tableLoaders.registry.register(self, table: table)
    }

    /// Loads one page of `key`'s rows: at most `first`, after `after`.
    ///
    /// ```swift
    /// var cursor: PageCursor? = nil
    /// repeat {
    ///     let page = try await postsPage.load(7, first: 10, after: cursor)
    ///     cursor = page.hasNextPage ? page.endCursor : nil
    /// } while cursor != nil
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - first: The most rows the page holds (0 or more).
    ///   - after: The cursor the page starts after (a previous page's `RowPage/endCursor`), or `nil` for the first.
    /// - Returns: The page.
    /// - Throws: `PageLoaderError` for a negative `first` or a cursor that is not this loader's, or what the
    ///   batch throws.
    @inlinable
    public nonisolated(nonsending) func load(_ key: Key, first: Int, after: PageCursor? = nil) async throws
        -> RowPage<Row>
    {
        try await loader.load(PageKey(key: key.sqliteIdentity, first: first, after: after))
    }

    /// The core loader's key for `request`: the request with its key's ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter request: A request.
    /// - Returns: The request as the core loader tells requests apart.
    @inlinable
    public func loaderKey(_ request: PageKey<Key>) -> PageKey<Key.SQLiteIdentity> { request.sqliteIdentity }
}

/// The page of `request` from its rows as read (at most `first + 1`), or the error of a cursor whose width is not the
/// loader's.
private func page<Key: SQLiteKey, Row: Sendable>(
    of request: PageKey<Key>,
    _ rows: [PageRow<Row>],
    cursorWidth: Int?,
    table: String
) -> Result<RowPage<Row>, any Error> {
    if let after = request.after, let cursorWidth, after.width != cursorWidth {
        return .failure(PageLoaderError.malformedCursor(after.description, table: table))
    }
    let kept = rows.prefix(request.first)
    guard let last = kept.last else {
        return .success(RowPage(rows: [], hasNextPage: rows.count > request.first, endCursor: nil))
    }
    guard let json = last.cursor else {
        return .failure(PageLoaderError.malformedCursor("", table: table))
    }
    return .success(
        RowPage(
            rows: kept.map(\.row),
            hasNextPage: rows.count > request.first,
            endCursor: PageCursor(json: json, width: cursorWidth ?? 0)
        )
    )
}

/// A page loader's row: the row, and the cursor the statement computed for it (column `gbatchy_cursor`).
@usableFromInline
struct PageRow<Row: Decodable & Sendable>: Decodable, Sendable {
    let row: Row
    let cursor: String?

    private enum CodingKeys: String, CodingKey {
        case cursor = "gbatchy_cursor"
    }

    /// Decodes the row, then the cursor column when the result has it.
    @usableFromInline
    init(from decoder: any Decoder) throws {
        row = try Row(from: decoder)
        // Optional: the column discovery leaves it out of the table's columns; the page statement adds it.
        cursor = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .cursor)
    }
}

extension TableSource {
    /// The columns that break ties between rows of equal `order` value: the table's primary key without `order`, or
    /// `rowid` when the table declares none.
    func pageTieBreak(
        primaryKey: [String],
        order: String,
        require: (String, String) throws -> String
    ) throws -> [String] {
        guard !primaryKey.isEmpty else { return ["rowid"] }
        return try primaryKey.filter { $0.caseInsensitiveCompare(order) != .orderedSame }
            .map { try require($0, "the primary key") }
    }

    /// The page statement: the join `from` with the cursor condition, each key's rows numbered in `order` (the
    /// `orderBy` column, then the tie-break), at most `first + 1` kept, by key position then number.
    ///
    /// `selected` ends with the key position column. Each row's cursor is the JSON array of its `order` values,
    /// written exactly: integers as they are, reals with 20 significant digits (SQLite's `%!.20g`, which reads back as the same value where 17 digits do not always), text with `json_quote`.
    func pagedSQL(selected: [String], from: String, order: [String], qualified: (String) -> String) -> String {
        let direction = descending ? " DESC" : ""
        let after = descending ? "<" : ">"
        func cursorValue(_ position: Int) -> String { "json_extract(\"k\".\"value\", '$[2][\(position)]')" }
        let columns = order.map(qualified)
        let encoded = columns.map { column in
            "CASE typeof(\(column)) WHEN 'integer' THEN \(column) WHEN 'real' THEN printf('%!.20g', \(column))"
                + " WHEN 'null' THEN 'null' ELSE json_quote(\(column)) END"
        }
        let cursor = "'[' || " + encoded.joined(separator: " || ',' || ") + " || ']'"
        // After the cursor: a later `orderBy` value (NULL sorts first, last when descending), or an equal one and
        // a later tie-break.
        let value = columns[0]
        var later = [
            "\(value) \(after) \(cursorValue(0))",
            descending
                ? "(\(cursorValue(0)) IS NOT NULL AND \(value) IS NULL)"
                : "(\(cursorValue(0)) IS NULL AND \(value) IS NOT NULL)",
        ]
        if columns.count > 1 {
            let ties = columns.dropFirst()
            let values = (1..<columns.count).map(cursorValue)
            later.append(
                "(\(value) IS \(cursorValue(0)) AND (\(ties.joined(separator: ", "))) \(after)"
                    + " (\(values.joined(separator: ", "))))"
            )
        }
        let condition = "(json_extract(\"k\".\"value\", '$[2]') IS NULL OR \(later.joined(separator: " OR ")))"
        let numbered = columns.map { "\($0)\(direction)" }.joined(separator: ", ")
        let inner =
            "SELECT \(selected.joined(separator: ", ")), \(cursor) AS \"gbatchy_cursor\","
            + " row_number() OVER (PARTITION BY \"k\".\"key\" ORDER BY \(numbered)) AS \"gbatchy_row\","
            + " json_extract(\"k\".\"value\", '$[1]') AS \"gbatchy_first\" FROM \(from) AND \(condition)"
        // By result column number: the key position is the last of `selected`, the row number two after it.
        return "SELECT * FROM (\(inner)) WHERE \"gbatchy_row\" <= \"gbatchy_first\" + 1"
            + " ORDER BY \(selected.count), \(selected.count + 2)"
    }
}

extension SQLiteSourceConnection {
    /// The primary key columns of `table`, in key order; `[]` when it declares none.
    func primaryKeyColumns(_ table: String) throws -> [String] {
        func columns(_ schema: String) throws -> [String] {
            try query(
                "SELECT name FROM \(schema).pragma_table_xinfo(?) WHERE pk > 0 ORDER BY pk",
                values: [.text(table)],
                as: String.self,
                keyCount: nil,
                table: nil
            )
        }
        do {
            return try columns("main")
        } catch let error as SQLiteSourceError where error.resultCode == .error {
            return try columns("temp")
        }
    }
}

extension SQLiteSource {
    /// Creates a loader of pages of every row whose integer column `key` equals the key (GraphQL connections).
    ///
    /// ```swift
    /// let postsPage = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
    /// let page = try await postsPage.load(7, first: 10, after: cursor)
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - orderBy: The column that orders each key's rows; the primary key breaks ties.
    ///   - descending: Whether `orderBy` (and the tie-break) sorts descending.
    ///   - caching: Whether loaded pages stay cached in the context.
    ///   - maxBatchSize: The most requests in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key[page]`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func pageLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        orderBy: String,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PageLoader<Int, Row> {
        pageLoader(
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

    /// Creates a loader of pages of every row whose column `key` equals the key, with the key type taken from the
    /// context.
    ///
    /// ```swift
    /// let tracksPage = db.pageLoader(Track.self, table: "tracks", key: "composer", keyType: String.self, orderBy: "name")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table name.
    ///   - key: The column compared with the key.
    ///   - keyType: The key type.
    ///   - orderBy: The column that orders each key's rows; the primary key breaks ties.
    ///   - descending: Whether `orderBy` (and the tie-break) sorts descending.
    ///   - caching: Whether loaded pages stay cached in the context.
    ///   - maxBatchSize: The most requests in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `table.key[page]`.
    /// - Returns: The loader.
    @inlinable
    public func pageLoader<Key: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        keyType: Key.Type = Key.self,
        orderBy: String,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PageLoader<Key, Row> {
        PageLoader(
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
