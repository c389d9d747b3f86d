import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

@Suite("Table loaders on the blog fixture", .timeLimit(.minutes(1)))
struct TableLoaderTests {
    @Test(arguments: FixtureStorage.allCases)
    func theReadmeExampleRunsTwoQueries(storage: FixtureStorage) async throws {
        try await withFixtureDatabase("blog", storage: storage) { db in
            let users = db.loader(BlogUser.self, table: "users", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let stats = try await withBatchContext {
                async let a = users.load(1)
                async let b = users.load(2)
                async let p = postsByAuthor.load(1)
                let (alice, bob, posts) = try await (a, b, p)
                #expect(alice?.handle == "alice")
                #expect(alice?.uuid == UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
                #expect(bob?.handle == "bob")
                #expect(posts.map(\.id) == [1, 2, 3, 4])
                return currentStatistics
            }
            #expect(stats.ticks == 1)
            #expect(stats["users.id"].batchSizes == [2])
            #expect(stats["posts.author_id[]"].batchSizes == [1])
            let queries = loaderQueries(db)
            #expect(queries.count == 2)
            #expect(Set(queries.map(\.table)) == ["users", "posts"])
            #expect(queries.map(\.keyCount).sorted { ($0 ?? 0) < ($1 ?? 0) } == [1, 2])
            #expect(
                queries.contains {
                    $0.sql == #"SELECT "t"."id", "t"."uuid", "t"."handle", "k"."key" FROM main.json_each(?) AS "k" "#
                        + #"JOIN "users" AS "t" ON "t"."id" = +"k"."value""#
                }
            )
            #expect(
                queries.contains {
                    $0.sql == #"SELECT "t"."id", "t"."title", "t"."status", "t"."score", "t"."author_id", "#
                        + #""t"."published_at", "t"."is_featured" FROM "posts" AS "t" WHERE "t"."author_id" IN "#
                        + #"(SELECT +value FROM main.json_each(?)) ORDER BY "t"."author_id", "t"."id""#
                }
            )
            // The only other statements are the two schema lookups and the tick's read transaction (or, in memory,
            // one per query).
            let others = db.queryLog.entries.filter { $0.keyCount == nil }.map(\.sql)
            #expect(others.filter { $0.contains("pragma_table_xinfo") }.count == 2)
            #expect(others.allSatisfy { $0.contains("pragma_table_xinfo") || $0 == "BEGIN DEFERRED" || $0 == "COMMIT" })
        }
    }

    @Test func missingRowsAndGroups() async throws {
        try await withFixtureDatabase("blog") { db in
            let users = db.loader(BlogUser.self, table: "users", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            try await withBatchContext {
                #expect(try await users.load(7) == nil)
                let error = await capture { _ = try await users.loadRequired(7) }
                let notFound = try #require(error as? TableLoaderError)
                #expect(notFound.code == .notFound)
                #expect(notFound.description == #"no row in "users" where "id" = 7"#)
                #expect(try await postsByAuthor.load(6) == [])  // author 6 has no posts
                #expect(try await postsByAuthor.load(99) == [])
                #expect(try await users.loadRequired(5).handle == "zoë")
            }
        }
    }

    @Test func oneToManyManyToManyAndSelfReference() async throws {
        try await withFixtureDatabase("blog") { db in
            let blog = BlogLoaders(db)
            db.queryLog.clear()
            try await withBatchContext {
                // Tick 1: the authors. Tick 2: their posts and their mentors. Tick 3: the posts' tag links.
                // Tick 4: the tags.
                let authors = try await blog.authors.loadAll(1...7)
                #expect(
                    authors.map { $0?.name } == [
                        "Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
                        "Donald Knuth",
                        nil,
                    ]
                )
                #expect(authors.map { $0?.bio == nil } == [false, false, true, false, true, false, true])
                async let postsOfAll = blog.postsByAuthor.loadAll(1...6)
                async let mentorsOfAll = blog.mentors.loadAll(authors.compactMap { $0?.mentorID })
                let (posts, mentors) = try await (postsOfAll, mentorsOfAll)
                #expect(posts.map { $0.map(\.id) } == [[1, 2, 3, 4], [5, 6, 7], [8, 9], [10, 11], [12], []])
                #expect(mentors.map { $0?.name } == ["Ada Lovelace", "Ada Lovelace", "Grace Hopper", "Alan Turing"])
                let nullMentor: Int? = nil
                #expect(try await blog.mentors.load(nullMentor) == nil)  // a tick, a batch of one key, no query

                let allPosts = posts.flatMap { $0 }
                let links = try await blog.tagsOfPost.loadAll(allPosts.map(\.id))
                #expect(
                    links.map { $0.map(\.tagID) } == [
                        [1, 2], [1], [], [1, 3], [1, 3], [2], [3], [2, 4], [1], [3, 4], [], [2, 3],
                    ]
                )
                let tagIDs = links.flatMap { $0.map(\.tagID) }
                let tags = try await blog.tags.loadAll(tagIDs)
                #expect(Set(tags.compactMap { $0?.name }) == ["history", "theory", "languages", "algorithms"])

                let stats = currentStatistics
                #expect(stats.ticks == 5)
                #expect(stats["authors.id"].batchSizes == [7, 3, 1])  // both authors loaders share the name
                #expect(stats["posts.author_id[]"].batchSizes == [6])
                #expect(stats["post_tags.post_id[]"].batchSizes == [12])
                #expect(stats["tags.id"].batchSizes == [4])
            }
            // authors, posts by author, mentors, post_tags, tags: one query each.
            // (Sorted: the order of one tick's statements follows the order its loaders were queued in, which a
            // parallel context does not keep.)
            #expect(
                loaderQueries(db).compactMap(\.table).sorted() == ["authors", "authors", "post_tags", "posts", "tags"]
            )
            #expect(
                loaderQueries(db).map(\.keyCount) == [7, 6, 3, 12, 4]
                    || loaderQueries(db).map(\.keyCount) == [7, 3, 6, 12, 4]
            )
        }
    }

    @Test func columnTypesDecode() async throws {
        try await withFixtureDatabase("blog") { db in
            let posts = db.loader(Post.self, table: "posts", key: "id")
            let comments = db.loader(Comment.self, table: "comments", key: "id")
            try await withBatchContext {
                let (first, draft, anonymous) = try await (
                    posts.loadRequired(1), posts.loadRequired(3), comments.loadRequired(3)
                )
                #expect(first.status == .published)
                #expect(first.isFeatured)
                #expect(first.score == 4.5)
                let expected = DateComponents(
                    calendar: Calendar(identifier: .gregorian),
                    timeZone: TimeZone(identifier: "UTC"),
                    year: 2024,
                    month: 1,
                    day: 5,
                    hour: 9
                )
                #expect(first.publishedAt == expected.date)
                #expect(draft.status == .draft && draft.publishedAt == nil && !draft.isFeatured)
                #expect(anonymous.authorID == nil && anonymous.body == "First!")
                #expect(try await posts.loadRequired(12).title == "Substitution & Subtypes: 100% Safe")
                #expect(try await posts.loadRequired(9).status == .archived)
            }
        }
    }

    @Test func keyTypesUUIDStringAndOptional() async throws {
        try await withFixtureDatabase("blog") { db in
            let byUUID: TableLoader<UUID, BlogUser> = db.loader(BlogUser.self, table: "users", key: "uuid")
            let byHandle: TableLoader<String, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let byID64 = db.loader(BlogUser.self, table: "users", key: "id", keyType: Int64.self)
            let optionalHandle: TableLoader<String?, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let hostile = "'); DROP TABLE users; --"
            try await withBatchContext {
                async let a = byUUID.load(UUID(uuidString: "95AA3FD4-D0B2-4850-B460-0393A786911C")!)
                async let b = byHandle.load(hostile)
                async let c = byID64.load(Int64(4))
                async let d = optionalHandle.loadAll(["zoë", nil, "nobody"])
                async let e = byUUID.load(UUID())
                let (three, alsoThree, four, handles, missing) = try await (a, b, c, d, e)
                #expect(three?.id == 3 && three?.handle == hostile)
                #expect(alsoThree?.id == 3)
                #expect(four?.handle == "100%_legit")
                #expect(handles.map { $0?.id } == [5, nil, nil])
                #expect(missing == nil)
                #expect(currentStatistics.ticks == 1)
            }
            let queries = loaderQueries(db)
            #expect(queries.count == 4)  // one per loader; the nil handle was not sent
            #expect(queries.first { $0.sql.contains(#"ON "t"."handle" = +"k"."value""#) && $0.keyCount == 2 } != nil)
            #expect(try await count("users", in: db) == 5)
        }
    }

    @Test func keysAreDeduplicatedAndCached() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id")
            let uncached = db.loader(Author.self, table: "authors", key: "id", caching: false)
            try await withBatchContext {
                let names = try await pmap([1, 2, 1, 2, 1, 3]) { try await authors.load($0)?.name }
                #expect(
                    names == [
                        "Ada Lovelace", "Grace Hopper", "Ada Lovelace", "Grace Hopper", "Ada Lovelace",
                        "Alan Turing",
                    ]
                )
                #expect(loaderQueries(db).map(\.keyCount) == [3])
                _ = try await (authors.load(1), authors.load(2))  // cache hits: no query
                #expect(loaderQueries(db).count == 1)
                var stats = currentStatistics
                #expect(stats["authors.id"].batchSizes == [3])
                #expect(stats["authors.id"].cacheHits == 5)  // 3 in the first tick (duplicates), 2 afterwards

                async let x = uncached.load(1)
                async let y = uncached.load(1)
                _ = try await (x, y)  // deduplicated within the tick even without caching
                _ = try await uncached.load(1)  // not cached: queries again
                #expect(loaderQueries(db).map(\.keyCount) == [3, 1, 1])
                stats = currentStatistics
                #expect(stats.ticks == 3)
            }
        }
    }

    @Test func emptyKeyListsRunNoQuery() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id")
            let mentors: TableLoader<Int?, Author> = db.loader(Author.self, table: "authors", key: "id")
            try await withBatchContext { () async throws in
                #expect(try await authors.loadAll([Int]()).isEmpty)
                #expect(try await mentors.loadAll([nil, nil]) == [nil, nil])
            }
            // The nil keys formed a batch, which opened (and closed) the tick's read transaction, but nothing was read:
            // not even the schema.
            #expect(db.queryLog.entries.map(\.sql).allSatisfy { $0 == "BEGIN DEFERRED" || $0 == "COMMIT" })
        }
    }

    @Test func twoDatabasesNeverShareAQuery() async throws {
        try await withFixtureDatabase("blog") { first in
            try await withFixtureDatabase("blog", storage: .memory) { second in
                try await second.execute("UPDATE authors SET name = 'Second Ada' WHERE id = 1")
                second.queryLog.clear()
                let a = first.loader(Author.self, table: "authors", key: "id")
                let b = second.loader(Author.self, table: "authors", key: "id")
                try await withBatchContext {
                    async let x = a.load(1)
                    async let y = b.load(1)
                    let (one, two) = try await (x, y)
                    #expect(one?.name == "Ada Lovelace")
                    #expect(two?.name == "Second Ada")
                    #expect(currentStatistics.ticks == 1)
                    #expect(currentStatistics["authors.id"].batchSizes == [1, 1])
                }
                #expect(loaderQueries(first).count == 1)
                #expect(loaderQueries(second).count == 1)
            }
        }
    }
}

/// Table loaders can be named, so that two loaders on one column count apart (issue #10).
@Suite("Named table loaders", .timeLimit(.minutes(1)))
struct NamedTableLoaderTests {
    @Test("two loaders on one column, each with its own name, keep their own statistics")
    func namedLoadersCountApart() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id", name: "authors for posts")
            let mentors = db.loader(Author.self, table: "authors", key: "id", name: "mentors")
            let unnamed = db.loader(Author.self, table: "authors", key: "id")
            let byAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", name: "posts of an author")
            let stats = try await withBatchContext {
                async let a = authors.loadAll([1, 2])
                async let m = mentors.load(3)
                async let u = unnamed.load(4)
                async let p = byAuthor.load(1)
                _ = try await (a, m, u, p)
                return currentStatistics
            }
            #expect(authors.loader.name == "authors for posts" && unnamed.loader.name == "authors.id")
            #expect(stats["authors for posts"].batchSizes == [2])
            #expect(stats["mentors"].batchSizes == [1])
            #expect(stats["authors.id"].batchSizes == [1])
            #expect(stats["posts of an author"].batchSizes == [1])
            #expect(stats["posts.author_id[]"] == LoaderStatistics())
        }
    }
}
