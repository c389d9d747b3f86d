import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// R5 gaps left by ``HostileInputTests``: empty key lists, and each hostile key alone.
@Suite("Hostile input: empty key lists, one hostile key at a time", .timeLimit(.minutes(1)))
struct HostileInputMoreTests {
    @Test func emptyKeyListsAnswerEmptyAndRunNoStatement() async throws {
        try await withFixtureDatabase("blog") { db in
            let users = db.loader(BlogUser.self, table: "users", key: "id")
            let byHandle: TableLoader<String, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let stats = try await withBatchContext { () async throws in
                #expect(await users.loadMany([Int]()).isEmpty)
                #expect(try await users.loadAll([Int]()).isEmpty)
                #expect(try await byHandle.loadAll([String]()).isEmpty)
                #expect(await postsByAuthor.loadMany([Int]()).isEmpty)
                #expect(try await postsByAuthor.loadAll([Int]()).isEmpty)
                return currentStatistics
            }
            #expect(stats["users.id"].batches == 0)
            #expect(stats["users.handle"].batches == 0)
            #expect(stats["posts.author_id[]"].batches == 0)
            // Outside any context too.
            #expect(await users.loadMany([Int]()).isEmpty)
            #expect(try await postsByAuthor.loadAll([Int]()).isEmpty)
            #expect(db.queryLog.entries.isEmpty, "\(db.queryLog.entries.map(\.sql))")
        }
    }

    /// Keys that are all `nil` are answered without a query (no SELECT of the table runs).
    @Test func onlyNilKeysRunNoSelect() async throws {
        try await withFixtureDatabase("blog") { db in
            let mentors = db.loader(Author.self, table: "authors", key: "id", keyType: Int?.self)
            let byMentor = db.groupLoader(Author.self, table: "authors", key: "mentor_id", keyType: Int?.self)
            try await withBatchContext {
                async let a = mentors.loadAll([nil, nil])
                async let b = byMentor.loadAll([nil])
                let (rows, groups) = try await (a, b)
                #expect(rows.count == 2 && rows.allSatisfy { $0 == nil })
                #expect(groups == [[]])
            }
            #expect(loaderQueries(db).isEmpty)
            #expect(
                db.queryLog.entries.allSatisfy { $0.sql == "BEGIN DEFERRED" || $0.sql == "COMMIT" },
                "\(db.queryLog.entries.map(\.sql))"
            )
        }
    }

    /// Each hostile key is loaded alone, through a single-row and a group loader: the log shows only the two
    /// intended SELECTs (each bound with one key) and the tick's BEGIN/COMMIT, and no row of any table is gone.
    @Test func eachHostileKeyRunsOnlyTheIntendedSelects() async throws {
        try await withFixtureDatabase("blog") { db in
            let byHandle: TableLoader<String, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let groupByHandle: GroupLoader<String, BlogUser> = db.groupLoader(
                BlogUser.self,
                table: "users",
                key: "handle",
                orderBy: "id"
            )
            let tables = try await db.query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
                as: String.self
            )
            func counts() async throws -> [Int] {
                var result: [Int] = []
                for table in tables where !table.hasPrefix("sqlite_") { result.append(try await count(table, in: db)) }
                return result
            }
            let countsBefore = try await counts()
            // Check the schema once, so that each key's log holds only its own statements.
            try await withBatchContext { () async throws in
                _ = try await (byHandle.load("alice"), groupByHandle.load("alice"))
            }
            let single =
                #"SELECT "t"."id", "t"."uuid", "t"."handle", "k"."key" FROM main.json_each(?) AS "k" "#
                + #"JOIN "users" AS "t" ON "t"."handle" = +"k"."value""#
            // The key column is BINARY text: the group loader's ordered form is exact for text keys.
            let grouped =
                #"SELECT "t"."id", "t"."uuid", "t"."handle" FROM "users" AS "t" WHERE "t"."handle" IN "#
                + #"(SELECT +value FROM main.json_each(?)) ORDER BY "t"."handle", "t"."id""#
            let hostile = [
                "'); DROP TABLE users; --", "' OR '1'='1", "\"; DELETE FROM posts; --", "%", "_", "%%", "\\",
                "]", "[\"alice\"]", "\", \"alice", "alice' --", "zoë", "😀", String(repeating: "'; --", count: 200_000),
                "line\nbreak", "\u{1}\u{1F}", "nul\0byte",
            ]
            for key in hostile {
                let label = String(key.prefix(40))
                db.queryLog.clear()
                let (row, rows) = await withBatchContext {
                    async let row = capture { _ = try await byHandle.load(key) }
                    async let rows = capture { _ = try await groupByHandle.load(key) }
                    return await (row, rows)
                }
                let loaderSQL = loaderQueries(db).map(\.sql)
                if key.contains("\0") {
                    // Bound as one value (issue #11): no row has it, and both loaders ask SQLite.
                    #expect(row == nil && rows == nil, "\(label)")
                    #expect(loaderSQL.count == 2 && loaderSQL.allSatisfy { $0.contains("(VALUES (0,?))") }, "\(label)")
                    #expect(loaderQueries(db).allSatisfy { $0.keyCount == 1 && $0.rowCount == 0 }, "\(label)")
                } else {
                    #expect(row == nil && rows == nil, "\(label)")
                    #expect(loaderSQL.sorted() == [single, grouped].sorted(), "\(label)")
                    #expect(loaderQueries(db).allSatisfy { $0.keyCount == 1 && $0.rowCount <= 1 }, "\(label)")
                }
                let others = db.queryLog.entries.filter { $0.keyCount == nil }.map(\.sql)
                #expect(others.allSatisfy { $0 == "BEGIN DEFERRED" || $0 == "COMMIT" }, "\(label): \(others)")
                #expect(db.queryLog.entries.allSatisfy { $0.succeeded }, "\(label)")
                let countsAfter = try await counts()
                #expect(countsAfter == countsBefore, "\(label)")
            }
            #expect(
                try await db.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", as: String.self)
                    == tables
            )
        }
    }
}
