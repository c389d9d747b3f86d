import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

@Suite("One snapshot per tick, write invalidation, schema drift", .timeLimit(.minutes(1)))
struct SnapshotAndInvalidationTests {
    /// A write from another database handle commits in the middle of a tick; every read of the tick still sees the
    /// data as it was when the tick's snapshot started.
    @Test func aTickReadsOneSnapshotWhileAWriteCommits() async throws {
        try await withTemporaryDatabase { db, path in
            try await loadFixture("blog", into: db)
            let other = try SQLiteSource(path: path)
            let authors = db.loader(Author.self, table: "authors", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            // A batch function in the database's dispatch group: it runs in the same tick and read transaction as
            // the table loaders. It reads, lets the other handle commit, and reads again.
            let probe = Loader<Int, [String]>(
                name: "probe",
                maxBatchSize: nil,
                caching: true,
                cachesErrors: false,
                dispatchGroup: db.tableLoaders.dispatchGroup(of: db),
                results: { keys in
                    let before = try await db.query("SELECT name FROM authors WHERE id = 1", as: String.self)[0]
                    try await other.execute(
                        "UPDATE authors SET name = 'Changed' WHERE id = 1; UPDATE posts SET author_id = 2 WHERE author_id = 1"
                    )
                    let after = try await db.query("SELECT name FROM authors WHERE id = 1", as: String.self)[0]
                    return keys.map { _ in .success([before, after]) }
                }
            )
            db.queryLog.clear()
            try await withBatchContext {
                async let author = authors.load(1)
                async let posts = postsByAuthor.load(1)
                async let seen = probe.load(0)
                let (ada, adasPosts, names) = try await (author, posts, seen)
                #expect(names == ["Ada Lovelace", "Ada Lovelace"])
                #expect(ada?.name == "Ada Lovelace")
                #expect(adasPosts.map(\.id) == [1, 2, 3, 4])
                #expect(currentStatistics.ticks == 1)
            }
            let reads = db.queryLog.entries
            #expect(reads.allSatisfy { $0.role == .reader })
            #expect(reads.filter { $0.sql == "BEGIN DEFERRED" }.count == 1)
            #expect(reads.first?.sql == "BEGIN DEFERRED")  // its COMMIT may be logged after the context returned
            // The next tick sees the write.
            try await withBatchContext { () async throws in
                #expect(try await authors.load(1)?.name == "Changed")
                #expect(try await postsByAuthor.load(1) == [])
            }
            await other.close()
        }
    }

    @Test func aWriteInsideAContextClearsThatContextsCacheOnly() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id")
            let (otherLoaded, otherMayRead) = AsyncStream<Void>.makeStream()
            let (written, writtenContinuation) = AsyncStream<Void>.makeStream()
            // The other request loads Ada, waits for the write, and loads her again: from its own cache.
            let otherRequest = Task {
                try await withBatchContext {
                    let first = try await authors.load(1)?.name
                    otherMayRead.yield()
                    for await _ in written { break }
                    let second = try await authors.load(1)?.name
                    return (first, second, currentStatistics["authors.id"].cacheHits)
                }
            }
            for await _ in otherLoaded { break }
            try await withBatchContext {
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                #expect(try await postsByAuthor.load(1).count == 4)
                try await db.write { conn in try conn.execute("UPDATE authors SET name = 'Countess' WHERE id = 1") }
                #expect(try await authors.load(1)?.name == "Countess")  // sees its own write
                #expect(try await postsByAuthor.load(1).count == 4)  // posts untouched: still cached
                #expect(currentStatistics["authors.id"].batchSizes == [1, 1])
                #expect(currentStatistics["posts.author_id[]"].batchSizes == [1])
            }
            writtenContinuation.yield()
            let (first, second, hits) = try await otherRequest.value
            #expect(first == "Ada Lovelace" && second == "Ada Lovelace" && hits == 1)
            // other request 1 + this request 2 for authors, 1 for posts
            // (Sorted: a parallel context does not keep the order of one tick's statements.)
            #expect(loaderQueries(db).compactMap(\.table).sorted() == ["authors", "authors", "authors", "posts"])
        }
    }

    /// A write clears the caches of the loaders the context used, and creates nothing for the loaders it never
    /// used: no queue, no statistics entry.
    @Test func aWriteLeavesNoTraceOfLoadersTheContextNeverUsed() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id")
            // Registered (the registry holds them weakly: they live until the end of the test), never used.
            let unused: [any Sendable] = [
                db.loader(Author.self, table: "authors", key: "name", keyType: String.self),
                db.groupLoader(Author.self, table: "authors", key: "mentor_id"),
                db.groupLoader(Post.self, table: "posts", key: "author_id"),
            ]
            try await withBatchContext {
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                try await db.write { conn in
                    try conn.execute("UPDATE authors SET name = 'Countess' WHERE id = 1")
                    try conn.execute("UPDATE posts SET title = 'Renamed' WHERE id = 1")
                }
                #expect(try await authors.load(1)?.name == "Countess")
                let statistics = currentStatistics
                #expect(statistics.loaders.keys.sorted() == ["authors.id"])
                #expect(statistics["authors.id"].batchSizes == [1, 1])
            }
            withExtendedLifetime(unused) {}
        }
    }

    @Test func schemaDriftFailsEveryWaiterWithAClearError() async throws {
        try await withFixtureDatabase("blog") { db in
            let posts = db.loader(Post.self, table: "posts", key: "id")
            let authors = db.loader(Author.self, table: "authors", key: "id")
            try await withBatchContext { () async throws in
                #expect(try await posts.load(1)?.title == "Notes on the Analytical Engine")
                #expect(try await authors.load(3)?.bio == nil)
                try await db.execute("ALTER TABLE posts DROP COLUMN title; ALTER TABLE authors DROP COLUMN bio")
                let results = await posts.loadMany([1, 2, 5])
                for result in results {
                    let error = try #require(result.failure as? SchemaError)
                    #expect(error.code == .unknownColumn)
                    #expect(error.column == "title")
                    #expect(error.table == "posts")
                    #expect(error.description.contains("(decoded by Post)"))
                }
                // An optional column dropped: the loader rebuilds its statement and goes on.
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                #expect(try await authors.load(1)?.bio == nil)
                // The context keeps working for other loaders.
                let comments = db.loader(Comment.self, table: "comments", key: "id")
                #expect(try await comments.load(3)?.body == "First!")
            }
        }
    }

    @Test func aClosedDatabaseFailsEveryBatchWithoutHanging() async throws {
        let db = try SQLiteSource.inMemory()
        try await loadFixture("blog", into: db)
        let authors = db.loader(Author.self, table: "authors", key: "id")
        let tags = db.loader(Tag.self, table: "tags", key: "id")
        await db.close()
        await withBatchContext {
            async let a = capture { _ = try await authors.load(1) }
            async let t = capture { _ = try await tags.load(1) }
            let (authorsError, tagsError) = await (a, t)
            #expect((authorsError as? SQLiteSourceError)?.description.contains("closed") == true)
            #expect((tagsError as? SQLiteSourceError)?.description.contains("closed") == true)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
