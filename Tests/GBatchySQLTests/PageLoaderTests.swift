import Foundation
import GBatchy
import GBatchySQL
import Testing

/// Pages per key (issue #11, shape 3): `db.pageLoader(…, key:, orderBy:)` and `load(key, first:, after:)`.
@Suite("Page loaders", .timeLimit(.minutes(1)))
struct PageLoaderTests {
    @Test("each key its own page size and cursor, one statement per tick; hasNextPage and endCursor per key")
    func pagesPerKeyInOneStatement() async throws {
        try await withFixtureDatabase("blog") { db in
            let postsPage = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let (first, second, stats) = try await withBatchContext {
                async let a = postsPage.load(1, first: 2)
                async let b = postsPage.load(2, first: 10)
                async let c = postsPage.load(6, first: 3)
                async let d = postsPage.load(3, first: 0)
                let first = try await [a, b, c, d]
                async let a2 = postsPage.load(1, first: 2, after: first[0].endCursor)
                async let a3 = postsPage.load(1, first: 1, after: first[0].endCursor)
                let second = try await [a2, a3]
                return (first, second, currentStatistics)
            }
            #expect(first.map { $0.rows.map(\.id) } == [[1, 2], [5, 6, 7], [], []])
            #expect(first.map(\.hasNextPage) == [true, false, false, true])
            #expect(first.map { $0.endCursor == nil } == [false, false, true, true])
            #expect(second.map { $0.rows.map(\.id) } == [[3, 4], [3]])
            #expect(second.map(\.hasNextPage) == [false, true])
            #expect(stats["posts.author_id[page]"].batchSizes == [4, 2])
            let queries = loaderQueries(db)
            #expect(queries.map(\.keyCount) == [4, 2])
            #expect(queries.map(\.rowCount) == [7, 4])  // first + 1 at most per key: 3 + 3 + 0 + 1, then 2 + 2
        }
    }

    @Test("pages walked to the end match a direct ORDER BY, ties and NULLs included, ascending and descending")
    func walkedPagesMatchDirectQuery() async throws {
        for seed in seeds(fromEnvironment: "GBATCHY_PAGE", defaultCount: 3) {
            try await withTemporaryDatabase { db, _ in
                var random = SplitMix64(seed: seed)
                try await db.execute(
                    "CREATE TABLE items(id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, rank REAL, label TEXT)"
                )
                let rows: [[SQLiteValue]] = (1...1_500).map { id in
                    let rank: SQLiteValue =
                        switch random.next() % 4 {
                        case 0: .null
                        case 1: .real(Double(random.next() % 5) / 3)
                        default: .integer(Int64(random.next() % 20))
                        }
                    return [.integer(Int64(id)), .integer(Int64(random.next() % 25)), rank, .text("item \(id)")]
                }
                try await db.write { connection in
                    for row in rows { try connection.execute("INSERT INTO items VALUES (?, ?, ?, ?)", row) }
                }
                struct Item: Decodable, Sendable, Equatable {
                    let id: Int
                    let label: String
                }
                for descending in [false, true] {
                    let pages = db.pageLoader(
                        Item.self,
                        table: "items",
                        key: "owner",
                        orderBy: "rank",
                        descending: descending
                    )
                    let direction = descending ? "DESC" : "ASC"
                    var walked: [Int: [Int]] = [:]
                    var cursors: [Int: PageCursor?] = Dictionary(uniqueKeysWithValues: (0..<26).map { ($0, nil) })
                    db.queryLog.clear()
                    var ticks = 0
                    try await withBatchContext {
                        while !cursors.isEmpty {
                            let requests = cursors.map { ($0.key, $0.value, 1 + Int(random.next() % 40)) }
                            let answers = try await pmap(requests) { owner, cursor, size in
                                (owner, size, try await pages.load(owner, first: size, after: cursor))
                            }
                            ticks += 1
                            for (owner, size, page) in answers {
                                #expect(page.rows.count <= size)
                                walked[owner, default: []] += page.rows.map(\.id)
                                cursors[owner] = page.hasNextPage ? .some(page.endCursor) : nil
                                if !page.hasNextPage { cursors.removeValue(forKey: owner) }
                                #expect(page.hasNextPage ? page.rows.count == size : true)
                            }
                        }
                    }
                    for owner in 0..<26 {
                        let direct = try await db.query(
                            "SELECT id FROM items WHERE owner = ? ORDER BY rank \(direction), id \(direction)",
                            [owner],
                            as: Int.self
                        )
                        #expect(walked[owner] ?? [] == direct, "seed \(seed), owner \(owner), \(direction)")
                    }
                    #expect(loaderQueries(db).count == ticks, "one statement per tick")
                }
            }
        }
    }

    @Test("a malformed cursor, a cursor of another loader and a negative size fail their own key alone")
    func malformedCursorsAndSizes() async throws {
        try await withFixtureDatabase("blog") { db in
            #expect(throws: PageLoaderError.self) { try PageCursor("not a cursor") }
            #expect(throws: PageLoaderError.self) { try PageCursor("") }
            #expect(throws: PageLoaderError.self) { try PageCursor(Data(#"{"a":1}"#.utf8).base64EncodedString()) }
            #expect(throws: PageLoaderError.self) { try PageCursor(Data("[[1]]".utf8).base64EncodedString()) }
            let byID = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let byTitle = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "title")
            let results = try await withBatchContext {
                let titleCursor = try #require(try await byTitle.load(1, first: 1).endCursor)
                #expect(try PageCursor(titleCursor.description) == titleCursor)
                db.queryLog.clear()
                return await byID.loader.loadMany([
                    PageKey(key: 1, first: 2, after: titleCursor),
                    PageKey(key: 1, first: -1, after: nil),
                    PageKey(key: 2, first: 1, after: nil),
                    PageKey(key: 3, first: Int.max, after: nil),
                ])
            }
            let cursorError = try #require(
                { () -> (any Error)? in if case .failure(let error) = results[0] { error } else { nil } }()
                    as? PageLoaderError
            )
            #expect(cursorError.code == .malformedCursor)
            #expect(cursorError.description.contains(#"for the page loader of "posts""#))
            #expect(throws: PageLoaderError.self) { try results[1].get() }
            #expect(try results[2].get().rows.map(\.id) == [5])
            #expect(try results[3].get().rows.map(\.id) == [8, 9])
            #expect(try results[3].get().hasNextPage == false)
            #expect(loaderQueries(db).map(\.keyCount) == [3])
        }
    }

    @Test("a write clears the loader; an empty list runs nothing; many requests in one statement")
    func writesEmptyAndMany() async throws {
        try await withFixtureDatabase("blog") { db in
            let postsPage = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id", descending: true)
            let (before, after, empty) = try await withBatchContext {
                let before = try await postsPage.load(5, first: 5)
                try await db.execute(
                    "INSERT INTO posts(id, author_id, title, body, status) VALUES (13, 5, 'New', '', 'draft')"
                )
                return (before, try await postsPage.load(5, first: 5), await postsPage.loadMany([]))
            }
            #expect(before.rows.map(\.id) == [12])
            #expect(after.rows.map(\.id) == [13, 12])
            #expect(empty.isEmpty)
            #expect(loaderQueries(db).count == 2)

            let count = CompositeKeyLoaderTests.manyKeys
            db.queryLog.clear()
            let many = try await withBatchContext {
                try await postsPage.loadAll((0..<count).map { PageKey(key: $0 % 8, first: 1 + $0 % 3, after: nil) })
            }
            #expect(many.count == count)
            #expect(many[1].rows.map(\.id) == [4, 3])
            #expect(many[5].rows.map(\.id) == [13, 12] && !many[5].hasNextPage)
            #expect(loaderQueries(db).map(\.keyCount) == [min(count, 24)])
        }
    }

    @Test("unknown and hostile columns fail with SchemaError; a renamed orderBy column is drift, then heals")
    func schemaErrorsAndDrift() async throws {
        try await withFixtureDatabase("blog") { db in
            for (key, order, column) in [
                ("author", "id", "author"), ("author_id", "id\"; DROP TABLE posts; --", "id\"; DROP TABLE posts; --"),
            ] {
                let pages = db.pageLoader(Post.self, table: "posts", key: key, orderBy: order)
                let error = await capture { _ = try await withBatchContext { try await pages.load(1, first: 1) } }
                #expect((error as? SchemaError)?.column == column)
            }
            #expect(try await count("posts", in: db) == 12)
            struct Titled: Decodable, Sendable { let id: Int }
            let pages = db.pageLoader(Titled.self, table: "posts", key: "author_id", orderBy: "title")
            #expect(try await withBatchContext { try await pages.load(1, first: 9) }.rows.count == 4)
            try await db.execute("ALTER TABLE posts RENAME COLUMN title TO headline")
            let error = await capture { _ = try await withBatchContext { try await pages.load(1, first: 9) } }
            #expect((error as? SchemaError)?.role == "the orderBy column")
            try await db.execute("ALTER TABLE posts RENAME COLUMN headline TO title")
            #expect(try await withBatchContext { try await pages.load(1, first: 9) }.rows.count == 4)
        }
    }

    @Test("cancelling one waiter: the other requests of the batch get their pages")
    func cancellingOneWaiter() async throws {
        try await withFixtureDatabase("blog") { db in
            let postsPage = db.pageLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            try await withBatchContext {
                let first = spawn { try await postsPage.load(1, first: 2) }
                let second = spawn { try await postsPage.load(2, first: 2) }
                let canceller = spawn { first.cancel() }
                try await canceller.value
                await #expect(throws: CancellationError.self) { try await first.value }
                #expect(try await second.value.rows.map(\.id) == [5, 6])
            }
        }
    }

    @Test("text keys: pages of each composer's tracks by name match the direct query, a nil key answers an empty page")
    func textKeysPageLikeTheDirectQuery() async throws {
        try await withFixtureDatabase("chinook") { db in
            let byComposer = db.pageLoader(
                Track.self,
                table: "tracks",
                key: "composer",
                keyType: String?.self,
                orderBy: "name"
            )
            var walked: [Int] = []
            var cursor: PageCursor?
            repeat {
                let after = cursor
                let page = try await withBatchContext {
                    async let harris = byComposer.load("Steve Harris", first: 7, after: after)
                    async let nobody = byComposer.load(nil, first: 7)
                    return try await (harris, nobody)
                }
                #expect(page.1.rows.isEmpty && !page.1.hasNextPage)
                walked += page.0.rows.map(\.id)
                cursor = page.0.hasNextPage ? page.0.endCursor : nil
            } while cursor != nil
            let direct = try await db.query(
                "SELECT id FROM tracks WHERE composer = 'Steve Harris' ORDER BY name, id",
                as: Int.self
            )
            #expect(direct.count == 80)
            #expect(walked == direct)
            #expect(loaderQueries(db).count == 12)  // 80 rows, 7 a page: 12 pages, the nil key never sent
        }
    }
}
