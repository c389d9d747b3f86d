import Foundation
import GBatchy
import GBatchySQL

/// The demo's "service request": every published post with its author, the author's mentor, its tags, and its
/// comments' authors. Built twice: naively, one query per row, and batched, through table loaders.
enum FrontPage {
    static let publishedPosts = """
        SELECT id, author_id, title, published_at, is_featured FROM posts WHERE status = 'published' ORDER BY id
        """

    /// The naive request: a query for every row it needs.
    static func naive(_ db: SQLiteSource) async throws -> [FrontPageEntry] {
        func author(_ id: Int) async throws -> Author? {
            try await db.query("SELECT id, name, mentor_id FROM authors WHERE id = ?", [id], as: Author.self).first
        }
        var entries: [FrontPageEntry] = []
        for post in try await db.query(publishedPosts, as: Post.self) {
            let writer = try await author(post.authorID)
            let mentor = try await writer?.mentorID.asyncMap(author) ?? nil
            var tags: [String] = []
            let links = try await db.query(
                "SELECT post_id, tag_id FROM post_tags WHERE post_id = ? ORDER BY tag_id",
                [post.id],
                as: PostTag.self
            )
            for link in links {
                tags += try await db.query("SELECT id, name FROM tags WHERE id = ?", [link.tagID], as: Tag.self).map(
                    \.name
                )
            }
            var commentAuthors: [String] = []
            let comments = try await db.query(
                "SELECT id, post_id, author_id FROM comments WHERE post_id = ? ORDER BY id",
                [post.id],
                as: Comment.self
            )
            for comment in comments {
                commentAuthors.append(try await comment.authorID.asyncMap(author)??.name ?? "anonymous")
            }
            entries.append(
                FrontPageEntry(
                    post: post,
                    author: writer?.name ?? "?",
                    mentor: mentor?.name,
                    tags: tags,
                    commentAuthors: commentAuthors
                )
            )
        }
        return entries
    }

    /// The loaders of the batched request, declared once, on either backend: the request below does not know which.
    struct Loaders<Authors: KeyedLoader, TagsOfPost: KeyedLoader, Tags: KeyedLoader, CommentsOfPost: KeyedLoader>:
        Sendable
    where
        Authors.Key == Int?, Authors.Value == Author?, TagsOfPost.Key == Int, TagsOfPost.Value == [PostTag],
        Tags.Key == Int, Tags.Value == Tag?, CommentsOfPost.Key == Int, CommentsOfPost.Value == [Comment]
    {
        let authors: Authors
        let tagsOfPost: TagsOfPost
        let tags: Tags
        let commentsOfPost: CommentsOfPost
    }

    /// The SQLite loaders.
    static func loaders(_ db: SQLiteSource) -> Loaders<
        TableLoader<Int?, Author>, GroupLoader<Int, PostTag>, TableLoader<Int, Tag>, GroupLoader<Int, Comment>
    > {
        Loaders(
            authors: db.loader(Author.self, table: "authors", key: "id"),
            tagsOfPost: db.groupLoader(PostTag.self, table: "post_tags", key: "post_id", orderBy: "tag_id"),
            tags: db.loader(Tag.self, table: "tags", key: "id"),
            commentsOfPost: db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id")
        )
    }

    /// The batched request: the same code shape, one row at a time, but every load of a tick is one query.
    static func batched(_ db: SQLiteSource, _ loaders: Loaders<some Any, some Any, some Any, some Any>) async throws
        -> [FrontPageEntry]
    {
        try await batched(posts: db.query(publishedPosts, as: Post.self), loaders)
    }

    /// The batched request for `posts`, on the backend of `loaders`.
    static func batched(posts: [Post], _ loaders: Loaders<some Any, some Any, some Any, some Any>) async throws
        -> [FrontPageEntry]
    {
        try await withBatchContext {
            try await pmap(posts) { post in
                async let writer = loaders.authors.load(post.authorID)
                async let links = loaders.tagsOfPost.load(post.id)
                async let comments = loaders.commentsOfPost.load(post.id)
                let (author, postTags, postComments) = try await (writer, links, comments)
                async let mentor = loaders.authors.load(author?.mentorID)
                async let tags = loaders.tags.loadAll(postTags.map(\.tagID))
                async let commenters = loaders.authors.loadAll(postComments.map(\.authorID))
                let (mentorRow, tagRows, commenterRows) = try await (mentor, tags, commenters)
                return FrontPageEntry(
                    post: post,
                    author: author?.name ?? "?",
                    mentor: mentorRow?.name,
                    tags: tagRows.compactMap { $0?.name },
                    commentAuthors: commenterRows.map { $0?.name ?? "anonymous" }
                )
            }
        }
    }

    /// The front page as text; both requests print exactly this.
    static func render(_ entries: [FrontPageEntry]) -> String {
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        var lines = ["Front page: \(entries.count) published posts", ""]
        for entry in entries {
            let date = entry.post.publishedAt.map(day.string(from:)) ?? "unpublished"
            lines.append("#\(entry.post.id) \(entry.post.title) (\(date))\(entry.post.isFeatured ? " *featured*" : "")")
            lines.append("   by \(entry.author)" + (entry.mentor.map { ", mentored by \($0)" } ?? ""))
            lines.append("   tags: " + (entry.tags.isEmpty ? "(none)" : entry.tags.joined(separator: ", ")))
            let count = entry.commentAuthors.count
            lines.append(
                "   \(count) comment\(count == 1 ? "" : "s")"
                    + (count == 0 ? "" : " by " + entry.commentAuthors.joined(separator: ", "))
            )
        }
        return lines.joined(separator: "\n")
    }

    /// Builds the blog database in a temporary file, runs both requests and prints the page, the query counts and
    /// the SQL of the batched request.
    static func run() async throws {
        try await FixtureDatabase.withDatabase("blog") { db in
            try await run(on: db)
        }
    }

    private static func run(on db: SQLiteSource) async throws {
        let loaders = loaders(db)

        func isQuery(_ entry: QueryLog.Entry) -> Bool {
            !["BEGIN", "BEGIN DEFERRED", "COMMIT"].contains(entry.sql) && !entry.sql.contains("pragma_table_xinfo")
        }
        db.queryLog.clear()
        let naivePage = render(try await naive(db))
        let naiveCount = db.queryLog.entries.filter(isQuery).count

        db.queryLog.clear()
        let batchedPage = render(try await batched(db, loaders))
        let batchedLog = db.queryLog.entries.filter { !$0.sql.contains("pragma_table_xinfo") }
        let batchedCount = batchedLog.filter(isQuery).count
        let ticks = batchedLog.filter { $0.sql == "BEGIN DEFERRED" }.count

        print(batchedPage)
        print("")
        print(
            naivePage == batchedPage
                ? "The naive and the batched request printed the same page." : "DIFFERENT:\n\(naivePage)"
        )
        print("naive: \(naiveCount) queries, batched: \(batchedCount) queries (the post list, then \(ticks) ticks)")
        print("")
        print("SQL of the batched request (each tick is one read transaction; schema checks omitted):")
        // A tick's queries run concurrently, so their order in the log varies: print each tick's sorted by table.
        var tick: [QueryLog.Entry] = []
        for entry in batchedLog {
            if entry.sql == "BEGIN DEFERRED" || entry.sql == "COMMIT" || entry.table == nil {
                for query in tick.sorted(by: { ($0.table ?? "") < ($1.table ?? "") }) { printEntry(query) }
                tick = []
                printEntry(entry)
            } else {
                tick.append(entry)
            }
        }
        func printEntry(_ entry: QueryLog.Entry) {
            let keys = entry.keyCount.map { ", " + counted($0, "key") } ?? ""
            print("  \(entry.sql)" + (isQuery(entry) ? "  -- " + counted(entry.rowCount, "row") + keys : ""))
        }
    }
}

/// "1 row", "5 rows".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
