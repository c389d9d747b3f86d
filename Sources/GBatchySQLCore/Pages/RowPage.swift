/// One page of a key's rows, as a GraphQL connection answers it.
///
/// ```swift
/// let page = try await postsPage.load(7, first: 10, after: cursor)
/// for post in page.rows { print(post.title) }
/// if page.hasNextPage { print("more after", page.endCursor!) }
/// ```
///
/// `RowPage` is `Sendable`.
public struct RowPage<Row: Sendable>: Sendable {
    /// The rows of the page, in the loader's order: at most `first`.
    public let rows: [Row]
    /// Whether rows follow the page's last row.
    public let hasNextPage: Bool
    /// The cursor of the page's last row, or `nil` for an empty page: pass it as `after` for the next page.
    public let endCursor: PageCursor?

    /// A page of `rows`, `hasNextPage` when the key has more, ending at `endCursor`.
    package init(rows: [Row], hasNextPage: Bool, endCursor: PageCursor?) {
        self.rows = rows
        self.hasNextPage = hasNextPage
        self.endCursor = endCursor
    }
}
