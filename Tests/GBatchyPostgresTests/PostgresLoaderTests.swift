import Foundation
import GBatchy
import GBatchyPostgres
import GBatchySQLCore
import PostgresNIO
import Testing

struct Author: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
    let mentorID: Int?
    enum CodingKeys: String, CodingKey {
        case id, name
        case mentorID = "mentor_id"
    }
}

struct Post: Decodable, Sendable, Equatable {
    let id: Int
    let authorID: Int
    let title: String
    enum CodingKeys: String, CodingKey {
        case id, title
        case authorID = "author_id"
    }
}

struct Tag: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
}

@Suite("PostgreSQL loaders", .timeLimit(.minutes(2)), .whenPostgresIsAvailable)
struct PostgresLoaderTests {
    @Test("one statement per loader per tick, each key its own row")
    func byKey() async throws {
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let posts = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            pg.queryLog.clear()
            let (a, p) = try await withBatchContext {
                async let a = authors.loadAll([1, 2, 99, 1])
                async let p = posts.loadAll([1, 2])
                return try await (a, p)
            }
            #expect(a.map { $0?.name } == ["Ada Lovelace", "Grace Hopper", nil, "Ada Lovelace"])
            #expect(a.map { $0?.mentorID } == [nil, 1, nil, nil])
            #expect(p.map { $0.map(\.id) } == [[1, 2, 3, 4], [5, 6, 7]])
            let statements = pg.queryLog.entries.map(\.sql).filter { !$0.contains("information_schema") }
            #expect(statements.first == "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            #expect(statements.last == "COMMIT")
            #expect(statements.count == 4)
            // The keys of each statement: the distinct keys, once each.
            #expect(pg.queryLog.entries.compactMap(\.keyCount).sorted() == [2, 3])
            // A second tick alone: one statement, no transaction; the cached keys are not asked again.
            pg.queryLog.clear()
            let again = try await withBatchContext {
                try await authors.loadAll([3, 4])
            }
            #expect(again.map { $0?.name } == ["Alan Turing", "Edsger Dijkstra"])
            #expect(pg.queryLog.entries.count == 1)
        }
    }

    @Test("shapes: filter, top N, count, exists, many-to-many")
    func shapes() async throws {
        try await withBlogSource { pg, _, _ in
            let published = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"],
                orderBy: "id"
            )
            let latest = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                orderBy: "id",
                descending: true,
                limit: 2
            )
            let count = pg.countLoader(table: "comments", key: "post_id")
            let exists = pg.existsLoader(table: "comments", key: "post_id")
            let tags = pg.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id",
                orderBy: "name"
            )
            try await withBatchContext {
                async let p = published.loadAll([1, 2, 3])
                async let l = latest.loadAll([1, 2, 3])
                async let c = count.loadAll([1, 2, 3, 999])
                async let e = exists.loadAll([1, 2, 3, 999])
                async let t = tags.loadAll([1, 2, 999])
                let (pp, ll, cc, ee, tt) = try await (p, l, c, e, t)
                #expect(pp.map { $0.map(\.id) } == [[1, 2], [5, 6], [8]])
                #expect(ll.map { $0.map(\.id) } == [[4, 3], [7, 6], [9, 8]])
                #expect(cc == [4, 2, 1, 0])
                #expect(ee == [true, true, true, false])
                #expect(tt.map { $0.map(\.name) } == [["history", "theory"], ["history"], []])
            }
        }
    }
}

struct PostTag: Decodable, Sendable, Equatable {
    let postID: Int
    let tagID: Int
    enum CodingKeys: String, CodingKey {
        case postID = "post_id"
        case tagID = "tag_id"
    }
}

struct Comment: Decodable, Sendable, Equatable {
    let id: Int
    let postID: Int
    let body: String
    enum CodingKeys: String, CodingKey {
        case id, body
        case postID = "post_id"
    }
}

@Suite("PostgreSQL loader shapes", .timeLimit(.minutes(2)), .whenPostgresIsAvailable)
struct PostgresShapeTests {
    @Test("composite keys: each pair its own row, one statement binding two arrays")
    func compositeKeys() async throws {
        try await withBlogSource { pg, _, _ in
            let entries = pg.loader(PostTag.self, table: "post_tags", keys: ("post_id", "tag_id"))
            let rows = try await withBatchContext { try await entries.loadAll([(1, 1), (1, 2), (2, 1), (1, 99)]) }
            let expected = try await pg.query(
                "SELECT post_id, tag_id FROM post_tags WHERE (post_id, tag_id) IN ((1, 1), (1, 2), (2, 1))",
                as: PostTag.self
            )
            #expect(rows.compactMap { $0 }.count == expected.count)
            for (pair, row) in zip([(1, 1), (1, 2), (2, 1), (1, 99)], rows) {
                #expect(row == expected.first { $0.postID == pair.0 && $0.tagID == pair.1 })
            }
        }
    }

    @Test("custom SQL: the SQLite statement as it is, checked with EXPLAIN before it runs")
    func customSQL() async throws {
        try await withBlogSource { pg, _, _ in
            let comments = pg.sqlLoader(
                Comment.self,
                key: "post_id",
                reads: ["comments"],
                sql: "SELECT * FROM comments WHERE post_id IN (:keys) AND id > ? ORDER BY id DESC",
                [2]
            )
            let groups = try await withBatchContext { try await comments.loadAll([1, 2, 999]) }
            let direct = try await pg.query(
                "SELECT * FROM comments WHERE post_id IN (1, 2) AND id > 2 ORDER BY id DESC",
                as: Comment.self
            )
            #expect(groups[0] == direct.filter { $0.postID == 1 })
            #expect(groups[1] == direct.filter { $0.postID == 2 })
            #expect(groups[2] == [])

            func refusal(_ sql: String, reads: [String] = ["comments"]) async -> String? {
                let loader = pg.sqlLoader(Comment.self, key: "post_id", reads: reads, sql: sql)
                let error = await capture { _ = try await withBatchContext { try await loader.load(1) } }
                return (error as? PostgresSourceError).map { "\($0.code): \($0.message)" }
            }
            #expect(
                await refusal("SELECT * FROM comments WHERE post_id IN (:keys); DELETE FROM comments")?
                    .contains("';'") == true
            )
            #expect(
                await refusal(
                    "SELECT * FROM comments JOIN posts ON posts.id = comments.post_id WHERE post_id IN (:keys)"
                )?
                .contains("it reads posts") == true
            )
            #expect(
                await refusal("SELECT * FROM comments WHERE post_id IN (:keys) FOR UPDATE")?
                    .contains("writes or locks") == true
            )
            #expect(
                await refusal("WITH d AS (DELETE FROM comments RETURNING *) SELECT * FROM d WHERE post_id IN (:keys)")?
                    .contains("writes or locks") == true
            )
            #expect(
                await refusal("SELECT * FROM comments WHERE post_id IN (:keys) OR post_id IN (:keys)")?
                    .contains("exactly once") == true
            )
            #expect(await refusal("SELECT * FROM comments WHERE body = ':keys'")?.contains("exactly once") == true)
            // Nothing was deleted by the refused statements.
            #expect(try await pg.query("SELECT count(*) AS n FROM comments", as: Count.self) == [Count(n: 20)])
        }
    }
}

struct Count: Decodable, Sendable, Equatable {
    let n: Int
}

/// Runs `body` and returns the error it throws, or nil.
func capture(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

@Suite("PostgreSQL pages", .timeLimit(.minutes(2)), .whenPostgresIsAvailable)
struct PostgresPageTests {
    @Test("every key its own size and cursor in one statement; walking the pages gives every row once, in order")
    func pages() async throws {
        try await withBlogSource { pg, _, _ in
            let byID = pg.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let byScore = pg.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "score", descending: true)
            pg.queryLog.clear()
            let (first, other) = try await withBatchContext {
                async let first = byID.load(1, first: 2)
                async let other = byID.load(2, first: 5)
                return try await (first, other)
            }
            #expect(first.rows.map(\.id) == [1, 2])
            #expect(first.hasNextPage)
            #expect(other.rows.map(\.id) == [5, 6, 7])
            #expect(!other.hasNextPage)
            #expect(pg.queryLog.entries.compactMap(\.keyCount) == [2])
            let cursor = try #require(first.endCursor)
            // The cursor survives a round trip through text, as a GraphQL endCursor does.
            let second = try await withBatchContext {
                try await byID.load(1, first: 2, after: try PageCursor(cursor.description))
            }
            #expect(second.rows.map(\.id) == [3, 4])
            #expect(!second.hasNextPage)

            // Walking every author's pages of one row at a time by descending score gives the direct query's order.
            for author in 1...6 {
                var seen: [Int] = []
                var after: PageCursor?
                while true {
                    let page = try await withBatchContext { try await byScore.load(author, first: 1, after: after) }
                    seen += page.rows.map(\.id)
                    guard page.hasNextPage else { break }
                    after = page.endCursor
                }
                let direct = try await pg.query(
                    "SELECT id, author_id, title FROM posts WHERE author_id = $1 ORDER BY score DESC, id DESC",
                    [author],
                    as: Post.self
                )
                #expect(seen == direct.map(\.id), "author \(author)")
            }
        }
    }

    @Test("a negative size and another loader's cursor fail their own request only")
    func badRequests() async throws {
        try await withBlogSource { pg, _, _ in
            let byID = pg.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let foreign = PageCursor(json: "[\"1\",\"2\",\"3\"]", width: 3)
            let results = await withBatchContext {
                async let negative = capture { _ = try await byID.load(1, first: -1) }
                async let malformed = capture { _ = try await byID.load(2, first: 1, after: foreign) }
                async let good = byID.load(3, first: 1)
                return await (negative, malformed, try? good)
            }
            #expect((results.0 as? PageLoaderError)?.code == .invalidPageSize)
            #expect((results.1 as? PageLoaderError)?.code == .malformedCursor)
            #expect(results.2?.rows.map(\.id) == [8])
        }
    }
}

@Suite("PostgreSQL identity priming", .timeLimit(.minutes(1)), .whenPostgresIsAvailable)
struct PostgresIdentityTests {
    @Test("rows read by group and many-to-many loaders prime the by-primary-key loader of their table and type")
    func priming() async throws {
        try await withBlogSource { pg, _, _ in
            let tagsOfPost = pg.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            let tags = pg.loader(Tag.self, table: "tags", key: "id")
            let postsByAuthor = pg.groupLoader(Post.self, table: "posts", key: "author_id", limit: 2)
            let posts = pg.loader(Post.self, table: "posts", key: "id")
            let filteredPosts = pg.loader(Post.self, table: "posts", key: "id", where: "status = 'draft'")
            try await withBatchContext {
                let read = try await tagsOfPost.loadAll([1, 2, 5])
                let authorPosts = try await postsByAuthor.load(1)
                pg.queryLog.clear()
                let ids = Set(read.flatMap { $0.map(\.id) })
                let loaded = try await tags.loadAll(ids.sorted())
                #expect(loaded.map { $0?.id } == ids.sorted())
                #expect(try await posts.loadAll(authorPosts.map(\.id)).map { $0?.id } == authorPosts.map(\.id))
                #expect(pg.queryLog.entries.isEmpty)
                // A filtered loader is never primed: post 1 is published, so it answers nil, from the database.
                #expect(try await filteredPosts.load(1) == nil)
                #expect(pg.queryLog.entries.filter { $0.keyCount != nil }.count == 1)
            }
        }
    }

    @Test("a list is the root of a request: one statement in the tick's snapshot, priming the by-key loader")
    func list() async throws {
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            try await withBatchContext {
                let first = try await authors.list(orderBy: "id", descending: true, limit: 3)
                #expect(first.map(\.id) == [6, 5, 4])
                // The table's columns were read once, with the first list: each list query after it is one statement.
                pg.queryLog.clear()
                let named = try await authors.list(where: "name LIKE ?", ["A%"], orderBy: "id")
                #expect(named.map(\.name) == ["Ada Lovelace", "Alan Turing"])
                #expect(pg.queryLog.entries.count == 1)
                #expect(pg.queryLog.entries.allSatisfy { !$0.sql.contains("information_schema") })
                pg.queryLog.clear()
                #expect(try await authors.loadAll([6, 5, 4, 1, 3]).map { $0?.id } == [6, 5, 4, 1, 3])
                #expect(pg.queryLog.entries.isEmpty)
                let refused = await capture { _ = try await authors.list(where: "1 = 1; DROP TABLE authors") }
                #expect((refused as? PostgresSourceError)?.code == .invalidDefinition)
            }
        }
    }
}
