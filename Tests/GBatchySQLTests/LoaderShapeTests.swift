import Foundation
import GBatchy
import GBatchySQL
import Testing

/// The loader shapes of issue 11 on the blog fixture: a fixed filter, top N per key, count and exists, many-to-many,
/// the list of a by-key loader, identity priming, and hand-written loaders in the snapshot.
@Suite("Loader shapes on the blog", .timeLimit(.minutes(1)))
struct LoaderShapeTests {
    @Test func aFilteredGroupLoaderBindsItsValuesAndSendsOneStatement() async throws {
        try await withFixtureDatabase("blog") { db in
            let published = db.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"],
                orderBy: "id"
            )
            let groups = try await withBatchContext { try await published.loadAll(1...6) }
            #expect(groups.map { $0.map(\.id) } == [[1, 2], [5, 6], [8], [10], [12], []])
            #expect(groups.joined().allSatisfy { $0.status == .published })
            let queries = loaderQueries(db)
            #expect(queries.count == 1)
            #expect(queries.first?.sql.contains("(status = ?)") == true)
            #expect(queries.first?.sql.contains("'published'") == false)  // bound, not spliced
            #expect(published.loader.name == "posts.author_id[] where status = ?")
        }
    }

    @Test func aFilteredByKeyLoaderAnswersNilOutsideItsFilterAndCachesApart() async throws {
        try await withFixtureDatabase("blog") { db in
            let posts = db.loader(Post.self, table: "posts", key: "id")
            let dated = db.loader(Post.self, table: "posts", key: "id", where: "published_at IS NOT NULL")
            try await withBatchContext {
                async let all = posts.loadAll([1, 3, 4, 7])
                async let onlyDated = dated.loadAll([1, 3, 4, 7])
                let (everyPost, datedPosts) = try await (all, onlyDated)
                #expect(everyPost.map { $0?.id } == [1, 3, 4, 7])
                #expect(datedPosts.map { $0?.id } == [1, nil, 4, nil])
            }
            // One statement each, in one tick: the filter is part of the loader's identity.
            #expect(loaderQueries(db).count == 2)
        }
    }

    @Test func aSemicolonOrCommentInsideAStringIsPartOfTheExpression() async throws {
        try await withFixtureDatabase("blog") { db in
            let odd = db.groupLoader(
                Comment.self,
                table: "comments",
                key: "post_id",
                where: "body <> '; DROP TABLE comments; --' AND \"body\" NOT LIKE '%/*%'",
                orderBy: "id"
            )
            let comments = try await withBatchContext { try await odd.load(11) }
            #expect(comments.map(\.id) == [19])
        }
    }

    @Test(arguments: [
        ("1); DROP TABLE posts; --", "')'"),
        ("1 OR 1; DROP TABLE posts", "';'"),
        ("status = 'x'; DELETE FROM posts", "';'"),
        ("1) UNION SELECT * FROM users WHERE (1", "')'"),
        ("status = ? -- and more", "comment"),
        ("/* hidden */ 1", "comment"),
        ("id = :id", "named"),
        ("id = @id", "named"),
        ("id = $id", "named"),
        ("id = ?1", "numbered"),
        ("(1", "'('"),
        ("title = 'unterminated", "not closed"),
        ("title = \"a\0b\"", "NUL"),
        ("  ", "empty"),
        ("status = ?", "1 '?' parameter(s) but 0 value(s)"),
    ])
    func aHostileFilterFailsEveryKeyAndRunsNothing(filter: String, reason: String) async throws {
        try await withFixtureDatabase("blog") { db in
            let hostile = db.groupLoader(Post.self, table: "posts", key: "author_id", where: filter, orderBy: "id")
            let byID = db.loader(Post.self, table: "posts", key: "id", where: filter)
            let count = db.countLoader(table: "posts", key: "author_id", where: filter)
            let results = await withBatchContext {
                [
                    await hostile.loadMany([1, 2]).map { $0.map { _ in 0 } },
                    await byID.loadMany([1]).map { $0.map { _ in 0 } },
                    await count.loadMany([1]),
                ]
                .joined()
            }
            for result in results {
                let error = try #require(throws: LoaderDefinitionError.self) { try result.get() }
                #expect(error.code == .invalidFilter)
                #expect(error.table == "posts")
                #expect("\(error)".contains(reason), "\(error)")
            }
            #expect(loaderQueries(db).isEmpty)
            #expect(try await db.query("SELECT count(*) FROM posts", as: Int.self) == [12])
        }
    }

    @Test func aNegativeLimitAndAnUnbindableValueAreTypedErrors() async throws {
        try await withFixtureDatabase("blog") { db in
            let negative = db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id", limit: -1)
            let farDate = db.countLoader(
                table: "posts",
                key: "author_id",
                where: "published_at < ?",
                [Date(timeIntervalSince1970: 1e13)]
            )
            try await withBatchContext {
                let limitError = try await #require(throws: LoaderDefinitionError.self) { try await negative.load(1) }
                #expect(limitError.code == .negativeLimit)
                let valueError = try await #require(throws: LoaderDefinitionError.self) { try await farDate.load(1) }
                #expect(valueError.code == .unbindableFilterValue)
                #expect("\(valueError)".contains("value 1"))
            }
            #expect(loaderQueries(db).isEmpty)
        }
    }

    @Test func topNPerKeyIsOneStatementWithAWindow() async throws {
        try await withFixtureDatabase("blog") { db in
            let latest = db.groupLoader(
                Comment.self,
                table: "comments",
                key: "post_id",
                orderBy: "id",
                descending: true,
                limit: 2
            )
            let bestPublished = db.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"],
                orderBy: "score",
                descending: true,
                limit: 1
            )
            let (comments, best) = try await withBatchContext {
                async let comments = latest.loadAll(1...12)
                async let best = bestPublished.loadAll(1...6)
                return try await (comments, best)
            }
            #expect(
                comments.map { $0.map(\.id) } == [
                    [4, 3], [6, 5], [7], [8], [11, 10], [13, 12], [], [15, 14], [16], [18, 17], [19], [20],
                ]
            )
            #expect(best.map { $0.map(\.id) } == [[1], [5], [8], [10], [12], []])
            let queries = loaderQueries(db)
            #expect(queries.count == 2)
            #expect(queries.allSatisfy { $0.sql.contains("row_number() OVER") })
            #expect(queries.map(\.rowCount).sorted() == [5, 17])
        }
    }

    @Test func countAndExistsAnswerEveryKeyInOneStatementEach() async throws {
        try await withFixtureDatabase("blog") { db in
            let commentCount = db.countLoader(table: "comments", key: "post_id")
            let hasComments = db.existsLoader(table: "comments", key: "post_id")
            let anonymous = db.countLoader(table: "comments", key: "post_id", where: "author_id IS NULL")
            let byAuthor = db.existsLoader(table: "comments", key: "author_id", where: "post_id > ?", [5])
            let keys = Array(1...12) + [99]
            let (counts, exists, anonymousCounts, authors) = try await withBatchContext {
                async let counts = commentCount.loadAll(keys)
                async let exists = hasComments.loadAll(keys)
                async let anonymousCounts = anonymous.loadAll(keys)
                async let authors = byAuthor.loadAll(1...6)
                return try await (counts, exists, anonymousCounts, authors)
            }
            // The oracle: SQLite's own count, key by key.
            var expected: [Int] = []
            for key in keys {
                expected += try await db.query("SELECT count(*) FROM comments WHERE post_id = ?", [key], as: Int.self)
            }
            #expect(counts == expected)
            #expect(counts == [4, 2, 1, 1, 3, 2, 0, 2, 1, 2, 1, 1, 0])
            #expect(exists == expected.map { $0 > 0 })
            #expect(anonymousCounts == [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0])
            #expect(authors == [true, true, true, true, false, true])  // comments on posts 6… by author
            let queries = loaderQueries(db)
            #expect(queries.count == 4)
            #expect(queries.contains { $0.sql.contains("count(*)") && $0.sql.contains("GROUP BY") })
            #expect(queries.contains { $0.sql.contains("WHERE EXISTS") })
        }
    }

    @Test func manyToManyIsOneStatementAndPrimesTheByKeyLoader() async throws {
        try await withFixtureDatabase("blog") { db in
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id",
                orderBy: "name"
            )
            let tags = db.loader(Tag.self, table: "tags", key: "id")
            try await withBatchContext {
                let groups = try await tagsOfPost.loadAll(1...12)
                #expect(
                    groups.map { $0.map(\.name) } == [
                        ["history", "theory"], ["history"], [], ["history", "languages"], ["history", "languages"],
                        ["theory"], ["languages"], ["algorithms", "theory"], ["history"], ["algorithms", "languages"],
                        [], ["languages", "theory"],
                    ]
                )
                #expect(loaderQueries(db).count == 1)
                // Identity: every tag read above is in the by-key loader's cache now.
                let loaded = try await tags.loadAll(1...4)
                #expect(loaded.map { $0?.name } == ["history", "theory", "languages", "algorithms"])
                #expect(loaderQueries(db).count == 1)
                #expect(currentStatistics["tags.id"].batchSizes == [])
                // Tag 5 is on no post: it was never read, so it takes a query.
                #expect(try await tags.load(5)?.name == "meta")
                #expect(loaderQueries(db).count == 2)
            }
            let sql = try #require(loaderQueries(db).first?.sql)
            #expect(sql.contains("JOIN \"post_tags\" AS \"j\" ON \"j\".\"post_id\" = +\"k\".\"value\""))
            #expect(sql.contains("JOIN \"tags\" AS \"t\" ON \"t\".\"id\" = \"j\".\"tag_id\""))
        }
    }

    @Test func aGroupLoaderPrimesTheByKeyLoaderButNotAFilteredOne() async throws {
        try await withFixtureDatabase("blog") { db in
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let posts = db.loader(Post.self, table: "posts", key: "id")
            let published = db.loader(Post.self, table: "posts", key: "id", where: "status = 'published'")
            try await withBatchContext {
                _ = try await postsByAuthor.loadAll([1, 2])
                let before = loaderQueries(db).count
                #expect(try await posts.loadAll(1...7).map { $0?.id } == Array(1...7))
                #expect(loaderQueries(db).count == before)  // primed: no query
                #expect(try await published.loadAll([3, 5]).map { $0?.id } == [nil, 5])
                #expect(loaderQueries(db).count == before + 1)  // a filtered loader is never primed
            }
        }
    }

    @Test func listIsTheRootOfARequestAndPrimesTheByKeyLoader() async throws {
        try await withFixtureDatabase("blog") { db in
            let posts = db.loader(Post.self, table: "posts", key: "id")
            let authors = db.loader(Author.self, table: "authors", key: "id")
            try await withBatchContext {
                async let listed = posts.list(where: "status = ?", ["published"], orderBy: "score", descending: true)
                async let ada = authors.load(1)
                let (top, _) = try await (listed, ada)
                #expect(top.map(\.id) == [5, 8, 1, 12, 6, 10, 2])
                #expect(currentStatistics.ticks == 1)
                let first = try await posts.list(orderBy: "id", limit: 3)
                #expect(first.map(\.id) == [1, 2, 3])
                let before = loaderQueries(db).count
                #expect(try await posts.loadAll([5, 8, 1, 2, 3]).map { $0?.id } == [5, 8, 1, 2, 3])
                #expect(loaderQueries(db).count == before)
                // The same list again comes from the context's cache.
                _ = try await posts.list(orderBy: "id", limit: 3)
                #expect(loaderQueries(db).count == before)
            }
            let queries = loaderQueries(db)
            #expect(queries.count == 3)  // the published list, the author, the first three
            #expect(queries.contains { $0.sql.hasSuffix("ORDER BY \"t\".\"id\" LIMIT ?") })
            // The published list and the author were read in the first tick's read transaction.
            let entries = db.queryLog.entries
            let begin = try #require(entries.firstIndex { $0.sql == "BEGIN DEFERRED" })
            let commit = try #require(entries[begin...].firstIndex { $0.sql == "COMMIT" })
            // (In the order the loaders were queued in, which a parallel context does not keep.)
            #expect(
                entries[begin...commit].filter { $0.keyCount != nil }.compactMap(\.table).sorted() == [
                    "authors", "posts",
                ]
            )
            let error = await #expect(throws: SchemaError.self) {
                try await withBatchContext { _ = try await posts.list(orderBy: "nope") }
            }
            #expect(error?.column == "nope")
        }
    }

    @Test func emptyKeyListsRunNoStatement() async throws {
        try await withFixtureDatabase("blog") { db in
            let latest = db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id", limit: 3)
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            let count = db.countLoader(table: "comments", key: "post_id")
            let exists = db.existsLoader(table: "comments", key: "post_id")
            let filtered = db.groupLoader(Post.self, table: "posts", key: "author_id", where: "status = ?", ["draft"])
            try await withBatchContext { () async throws in
                #expect(try await latest.loadAll([Int]()).isEmpty)
                #expect(try await tagsOfPost.loadAll([Int]()).isEmpty)
                #expect(try await count.loadAll([Int]()).isEmpty)
                #expect(try await exists.loadAll([Int]()).isEmpty)
                #expect(try await filtered.loadAll([Int]()).isEmpty)
                // Keys that are never sent (nil) answer without a statement too.
                let optionalCount: CountLoader<Int?> = db.countLoader(table: "comments", key: "post_id")
                #expect(try await optionalCount.loadAll([nil, nil]) == [0, 0])
            }
            #expect(loaderQueries(db).isEmpty)
        }
    }
}
