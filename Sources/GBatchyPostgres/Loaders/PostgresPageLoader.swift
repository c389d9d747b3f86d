import Foundation
import GBatchy
import GBatchySQLCore
import PostgresNIO

/// One page request: a key, how many rows, and where the previous page ended.
public struct PostgresPageRequest<Key: Hashable & Sendable>: Hashable, Sendable, CustomStringConvertible {
    /// The key whose rows are paged.
    public let key: Key
    /// How many rows the page holds at most.
    public let first: Int
    /// The cursor the page starts after, or `nil` for the first page.
    public let after: PageCursor?

    /// A request for `first` rows of `key` after `after`.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - first: The page size.
    ///   - after: The previous page's `endCursor`, or `nil`.
    public init(key: Key, first: Int, after: PageCursor?) {
        self.key = key
        self.first = first
        self.after = after
    }

    /// The key, the size and the cursor.
    public var description: String { "\(key) first \(first)" + (after.map { " after \($0)" } ?? "") }
}

/// Loads pages of each key's rows (GraphQL connections), every key with its own size and cursor, one statement per
/// tick for all of them: the PostgreSQL twin of GBatchySQL's `PageLoader`, answering the same `RowPage`.
///
/// Each key's rows are ordered by `orderBy`, then the table's primary key (so that rows with equal `orderBy` values
/// are neither repeated nor skipped); a page is the `first` rows after the request's cursor, read with
/// `CROSS JOIN LATERAL (… WHERE (o, pk) > (cursor) ORDER BY o, pk LIMIT first + 1)`. Rows whose `orderBy` value is
/// `NULL` compare as unknown and are not paged: order by a `NOT NULL` column.
///
/// ```swift
/// let postsPage = pg.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
/// let page = try await postsPage.load(7, first: 10)
/// let next = try await postsPage.load(7, first: 10, after: page.endCursor)
/// ```
public final class PostgresPageLoader<Key: PostgresKey, Row: Decodable & Sendable>: KeyedLoader, PostgresCacheClearing {
    /// The core loader underneath, named `table.key[page]` unless it was given a name.
    public let loader: Loader<PostgresPageRequest<Key.PostgresIdentity>, RowPage<Row>>
    /// The table the loader reads.
    public let table: String

    init(
        source: PostgresSource,
        table: String,
        key: String,
        orderBy: String,
        descending: Bool,
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.table = table
        // How many values the statement's cursors hold, read before each batch is bound.
        let statementWidth = Locked(1)
        let query = PostgresTableQuery<PostgresPageRequest<Key.PostgresIdentity>, (Row, [String?])>(
            source: source,
            table: table,
            keyColumns: [key],
            shape: PostgresShape(orderBy: orderBy, descending: descending, pages: true),
            columns: decodedColumns(Row.self),
            bindKeys: { requests, bindings in
                var keys: [Key.PostgresElement] = []
                var sizes: [Int] = []
                var hasAfter: [Bool] = []
                var cursors = [[String]](repeating: [], count: statementWidth.withLock { $0 })
                var sent: [Int] = []
                for (index, request) in requests.enumerated() {
                    guard let element = Key.postgresElement(request.key) else { continue }
                    let values = request.after.flatMap { try? cursorValues($0) } ?? []
                    keys.append(element)
                    sizes.append(request.first + 1)
                    hasAfter.append(request.after != nil)
                    for column in cursors.indices {
                        cursors[column].append(column < values.count ? values[column] ?? "" : "")
                    }
                    sent.append(index)
                }
                guard !sent.isEmpty else { return [] }
                try bindings.append(keys)
                bindings.append(sizes)
                bindings.append(hasAfter)
                for column in cursors { bindings.append(column) }
                return sent
            },
            decodeRow: { row, sql in
                let decoded = try PostgresRowDecoder(row: row, sql: sql, table: table).decode(Row.self)
                var cursor: [String?] = []
                var column = 0
                while row.contains("gbatchy_c\(column)") {
                    cursor.append(try row["gbatchy_c\(column)"].decode(String?.self))
                    column += 1
                }
                return (decoded, cursor)
            }
        )
        loader = Loader(
            name: name ?? "\(table).\(key)[page]",
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { requests in
                // Requests the loader cannot answer fail alone: a negative size, a cursor of another loader.
                let width = try await query.cursorWidth()
                statementWidth.withLock { $0 = width }
                var answers = [Result<RowPage<Row>, any Error>?](repeating: nil, count: requests.count)
                var asked: [Int] = []
                for (index, request) in requests.enumerated() {
                    if request.first < 0 {
                        answers[index] = .failure(PageLoaderError.invalidPageSize(request.first, table: table))
                    } else if let after = request.after, after.width != width || (try? cursorValues(after)) == nil {
                        answers[index] = .failure(PageLoaderError.malformedCursor(after.description, table: table))
                    } else {
                        asked.append(index)
                    }
                }
                let fetched = try await query.fetch(asked.map { requests[$0] })
                let groups = rowsPerKey(asked.count, fetched)
                for (position, index) in asked.enumerated() {
                    answers[index] = groups[position].map { rows in
                        let first = requests[index].first
                        let page = rows.prefix(first)
                        let end = page.last.map { _, cursor in
                            PageCursor(json: cursorJSON(cursor), width: cursor.count)
                        }
                        return RowPage(rows: page.map(\.0), hasNextPage: rows.count > first, endCursor: end)
                    }
                }
                return answers.map { $0 ?? .success(RowPage(rows: [], hasNextPage: false, endCursor: nil)) }
            }
        )
        source.registry.register(self, tables: [table])
    }

    /// Loads the page of `first` rows of `key` after `after`.
    ///
    /// ```swift
    /// let page = try await postsPage.load(7, first: 10, after: cursor)
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - first: The most rows in the page.
    ///   - after: The previous page's `endCursor`, or `nil` for the first page.
    /// - Returns: The page.
    /// - Throws: `PageLoaderError` for a negative size or a cursor that is not this loader's, or
    ///   ``PostgresSourceError``.
    public func load(_ key: Key, first: Int, after: PageCursor? = nil) async throws -> RowPage<Row> {
        try await loader.load(PostgresPageRequest(key: key.postgresIdentity, first: first, after: after))
    }

    /// The core loader's key for `request`.
    ///
    /// - Parameter request: A page request.
    /// - Returns: The request as the core loader tells requests apart.
    public func loaderKey(_ request: PostgresPageRequest<Key>) -> PostgresPageRequest<Key.PostgresIdentity> {
        PostgresPageRequest(key: request.key.postgresIdentity, first: request.first, after: request.after)
    }
}

/// A cursor's values as text (PostgreSQL casts them back to the columns' types), or an error when its JSON is not
/// an array of strings and nulls.
private func cursorValues(_ cursor: PageCursor) throws -> [String?] {
    guard let array = try JSONSerialization.jsonObject(with: Data(cursor.json.utf8)) as? [Any] else {
        throw PageLoaderError.malformedCursor(cursor.description)
    }
    return try array.map { value in
        if value is NSNull { return nil }
        guard let text = value as? String else { throw PageLoaderError.malformedCursor(cursor.description) }
        return text
    }
}

/// The JSON array of a row's cursor values.
private func cursorJSON(_ values: [String?]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: values.map { $0 ?? NSNull() as Any })) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
}

extension PostgresSource {
    /// Creates a loader of pages of each integer key's rows: the same call as on SQLite.
    ///
    /// ```swift
    /// let postsPage = pg.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - table: The table (with a primary key, the tie-break).
    ///   - key: The key column.
    ///   - orderBy: The column pages follow (`NOT NULL`).
    ///   - descending: Whether the order is descending.
    ///   - caching: Whether loaded pages stay cached in the context.
    ///   - maxBatchSize: The most requests in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `table.key[page]` by default.
    /// - Returns: The loader.
    public func pageLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        table: String,
        key: String,
        orderBy: String,
        descending: Bool = false,
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresPageLoader<Int, Row> {
        PostgresPageLoader(
            source: self,
            table: table,
            key: key,
            orderBy: orderBy,
            descending: descending,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }
}
