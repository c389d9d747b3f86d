import Foundation
import GBatchy
import GBatchyPostgres
import PostgresNIO
import Testing

struct Handle: Decodable, Sendable, Equatable {
    let id: Int
    let handle: String
}

@Suite("PostgreSQL exactness", .timeLimit(.minutes(2)), .whenPostgresIsAvailable)
struct PostgresExactnessTests {
    @Test("odd keys: canonically equivalent text stays apart, NUL and huge keys answer nil, every key its own row")
    func oddKeys() async throws {
        try await withBlogSource { pg, _, _ in
            try await pg.write { tx in
                try await tx.execute("CREATE TABLE handles (id int PRIMARY KEY, handle text NOT NULL UNIQUE)")
                try await tx.execute(
                    "INSERT INTO handles VALUES (1, $1), (2, $2), (3, $3), (4, $4)",
                    ["caf\u{E9}", "cafe\u{301}", "🦄 unicorn", "Ann"]
                )
            }
            let handles = pg.loader(Handle.self, table: "handles", key: "handle", keyType: String.self)
            let huge = String(repeating: "x", count: 1 << 20)
            let keys = ["caf\u{E9}", "cafe\u{301}", "🦄 unicorn", "ann", "Ann", "a\0b", huge, ""]
            pg.queryLog.clear()
            let rows = try await withBatchContext { try await handles.loadAll(keys) }
            #expect(rows.map { $0?.id } == [1, 2, 3, nil, 4, nil, nil, nil])
            // Swift's == equates the first two keys; PostgreSQL does not, and neither does the loader: 7 keys sent
            // (the NUL key cannot be text and is not sent).
            #expect(pg.queryLog.entries.compactMap(\.keyCount) == [7])
        }
    }

    @Test("hostile identifiers and filters are refused with errors naming them; nothing runs")
    func hostileIdentifiers() async throws {
        try await withBlogSource { pg, _, _ in
            func failure(_ load: () async throws -> Void) async -> PostgresSourceError? {
                await capture(load) as? PostgresSourceError
            }
            let table = pg.loader(Author.self, table: "authors\"; DROP TABLE posts; --", key: "id")
            let badTable = await failure { _ = try await withBatchContext { try await table.load(1) } }
            #expect(badTable?.code == .unknownTable)
            let column = pg.loader(Author.self, table: "authors", key: "id\" = 1 OR \"1")
            let badColumn = await failure { _ = try await withBatchContext { try await column.load(1) } }
            #expect(badColumn?.code == .unknownColumn)
            #expect(badColumn?.column == "id\" = 1 OR \"1")
            for filter in ["1 = 1; DROP TABLE posts", "1 = 1) OR (1 = 1", "status = 'a' -- x", "id = $1", ""] {
                let filtered = pg.groupLoader(Post.self, table: "posts", key: "author_id", where: filter)
                let refused = await failure { _ = try await withBatchContext { try await filtered.load(1) } }
                #expect(refused?.code == .invalidDefinition, "\(filter)")
            }
            let negative = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id", limit: -1)
            #expect(
                await failure { _ = try await withBatchContext { try await negative.load(1) } }?.code
                    == .invalidDefinition
            )
            // A quoted ';' is text, and values are bound, never spliced.
            let quoted = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "title <> ';' AND status = ?",
                ["published'; DROP TABLE posts; --"]
            )
            let none = try await withBatchContext { try await quoted.load(1) }
            #expect(none == [])
            #expect(try await pg.query("SELECT count(*) AS n FROM posts", as: Count.self) == [Count(n: 12)])
        }
    }

    @Test("a row that fails to decode fails its own key, naming the column, the type and the statement")
    func decodingFailure() async throws {
        struct Wrong: Decodable, Sendable {
            let id: Int
            let bio: Int
        }
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Wrong.self, table: "authors", key: "id")
            let results = await withBatchContext { await authors.loadMany([1, 3]) }
            let error = try #require(
                {
                    if case .failure(let error) = results[0] {
                        return error as? PostgresSourceError
                    } else {
                        return nil
                    }
                }()
            )
            #expect(error.code == .decoding)
            #expect(error.column == "bio")
            #expect(error.message.contains("Int"))
            #expect(error.sql?.contains("\"authors\"") == true)
            // Author 3's bio is NULL: a non-optional Int cannot hold it either, and says so.
            if case .failure(let other) = results[1] {
                #expect((other as? PostgresSourceError)?.message.contains("NULL") == true)
            } else {
                Issue.record("author 3 decoded a NULL bio as Int")
            }
        }
    }

    @Test("a single-value row type reads the first column, as on SQLite; NULL only into an optional")
    func singleValueRows() async throws {
        try await withBlogSource { pg, _, _ in
            #expect(try await pg.query("SELECT count(*) FROM posts", as: Int.self) == [12])
            #expect(
                try await pg.query("SELECT name, id FROM authors WHERE id < $1 ORDER BY id", [3], as: String.self)
                    == ["Ada Lovelace", "Grace Hopper"]
            )
            #expect(try await pg.query("SELECT bio FROM authors WHERE id = 3", as: String?.self) == [nil])
            #expect(try await pg.query("SELECT is_featured FROM posts ORDER BY id LIMIT 1", as: Bool.self).count == 1)
            let error = await #expect(throws: PostgresSourceError.self) {
                try await pg.query("SELECT bio FROM authors WHERE id = 3", as: String.self)
            }
            #expect(error?.code == .decoding)
            #expect(error?.column == "bio")
            #expect(error?.message.contains("NULL") == true)
            let inWrite = try await pg.write { tx in try await tx.query("SELECT count(*) FROM tags", as: Int.self) }
            #expect(inWrite.count == 1)
        }
    }

    /// `loadFixture` removes the translated files it wrote and nothing else, even when the fixtures lie inside its
    /// scratch folder (a checkout under the temporary folder): it once removed the fixture's own `postgres.sql`, and
    /// every later copy of the fixture then had SQLite's column types.
    @Test("loading a fixture keeps the fixture's files wherever they lie, and applies its PostgreSQL types")
    func loadingAFixtureKeepsItsFiles() async throws {
        let endpoint = try await sharedEndpoint.value
        // The folder the endpoint's psql writes its scratch files to.
        let scratch: String
        if case .started(let server) = endpoint {
            scratch = server.socketDirectory
        } else {
            scratch = NSTemporaryDirectory()
        }
        let copy = URL(fileURLWithPath: scratch).appendingPathComponent("fixtures-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: copy) }
        let blog = copy.appendingPathComponent("blog", isDirectory: true)
        try FileManager.default.createDirectory(at: blog, withIntermediateDirectories: true)
        for file in ["schema.sql", "data.sql", "postgres.sql"] {
            try FileManager.default.copyItem(
                at: fixturesDirectory.appendingPathComponent("blog/\(file)"),
                to: blog.appendingPathComponent(file)
            )
        }
        let database = "blog_copy_\(ProcessInfo.processInfo.processIdentifier)"
        try endpoint.psql("DROP DATABASE IF EXISTS \(database)")
        try endpoint.createDatabase(database)
        defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        try endpoint.loadFixture("blog", into: database, fixturesDirectory: copy)
        let left = try FileManager.default.contentsOfDirectory(atPath: blog.path).sorted()
        #expect(left == ["data.sql", "postgres.sql", "schema.sql"])
        let scratchFiles = try FileManager.default.contentsOfDirectory(atPath: scratch)
        #expect(!scratchFiles.contains { $0.hasPrefix("blog-") && $0.hasSuffix(".sql") })
        let type = try endpoint.psql("SELECT pg_typeof(is_featured) FROM posts LIMIT 1", in: database)
        #expect(type.trimmingCharacters(in: .whitespacesAndNewlines) == "boolean")
    }

    @Test("a write clears the context's cached rows of the tables it wrote; a failed write leaves nothing")
    func writes() async throws {
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let count = pg.countLoader(table: "comments", key: "post_id")
            try await withBatchContext {
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                #expect(try await count.load(1) == 4)
                try await pg.write { tx in
                    try await tx.execute("UPDATE authors SET name = $1 WHERE id = $2", ["Ada King", 1])
                    try await tx.execute("INSERT INTO comments (id, post_id, body) VALUES (100, 1, 'new')")
                }
                #expect(try await authors.load(1)?.name == "Ada King")
                #expect(try await count.load(1) == 5)
                // A constraint violation: the transaction rolls back whole and no cache is cleared.
                pg.queryLog.clear()
                let error = await capture {
                    try await pg.write { tx in
                        try await tx.execute("UPDATE authors SET name = 'Nobody' WHERE id = 2")
                        try await tx.execute("INSERT INTO authors (id, name) VALUES (1, 'duplicate')")
                    }
                }
                let failure = try #require(error as? PostgresSourceError)
                #expect(failure.code == .server)
                #expect(failure.sqlState == "23505")
                #expect(try await authors.load(1)?.name == "Ada King")
                #expect(pg.queryLog.entries.allSatisfy { $0.keyCount == nil })  // served from the cache
            }
            let grace = try await withBatchContext { try await authors.load(2) }
            #expect(grace?.name == "Grace Hopper")
        }
    }

    @Test("schema drift: a dropped column fails with the column named; the loader works again once it is back")
    func schemaDrift() async throws {
        try await withBlogSource { pg, endpoint, database in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            #expect(try await withBatchContext { try await authors.load(1) }?.name == "Ada Lovelace")
            try endpoint.psql("ALTER TABLE authors DROP COLUMN name", in: database)
            let error = await capture { _ = try await withBatchContext { try await authors.load(2) } }
            #expect((error as? PostgresSourceError)?.code == .unknownColumn)
            #expect((error as? PostgresSourceError)?.column == "name")
            // A list query built from the schema read before the drop says so too.
            let listed = await capture { _ = try await withBatchContext { try await authors.list(limit: 1) } }
            #expect((listed as? PostgresSourceError)?.code == .unknownColumn)
            #expect((listed as? PostgresSourceError)?.column == "name")
            try endpoint.psql("ALTER TABLE authors ADD COLUMN name text NOT NULL DEFAULT 'back'", in: database)
            #expect(try await withBatchContext { try await authors.load(2) }?.name == "back")
            #expect(
                try await withBatchContext { try await authors.list(orderBy: "id", limit: 1) }.first?.name == "back"
            )
            // An optional column dropped decodes as nil.
            try endpoint.psql("ALTER TABLE authors DROP COLUMN mentor_id", in: database)
            #expect(try await withBatchContext { try await authors.load(4) }?.mentorID == nil)
        }
    }

    @Test("300,000 keys in one tick: one statement, every key its own answer")
    func manyKeys() async throws {
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let keys = Array(1...300_000)
            pg.queryLog.clear()
            let rows = try await withBatchContext { try await authors.loadAll(keys) }
            #expect(rows.prefix(7).map { $0?.id } == [1, 2, 3, 4, 5, 6, nil])
            #expect(rows.dropFirst(6).allSatisfy { $0 == nil })
            #expect(pg.queryLog.entries.compactMap(\.keyCount) == [300_000])
        }
    }

    @Test("a replica serves reads until the context writes; then the primary does (read-your-writes)")
    func replica() async throws {
        try await withBlogSource(readClient: true) { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            try await withBatchContext {
                _ = try await authors.load(1)
                #expect(pg.queryLog.entries.last?.role == .replica)
                try await pg.write { tx in try await tx.execute("UPDATE authors SET name = 'X' WHERE id = 2") }
                #expect(try await authors.load(2)?.name == "X")
                #expect(pg.queryLog.entries.last?.role == .writer)
            }
            // A new context reads from the replica again.
            _ = try await withBatchContext { try await authors.load(3) }
            #expect(pg.queryLog.entries.last?.role == .replica)
        }
    }
}
