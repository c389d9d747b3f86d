import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

@Suite("Hostile keys and identifiers", .timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test func hostileKeysAreBoundNeverSpliced() async throws {
        try await withFixtureDatabase("blog") { db in
            let awkward = "emoji 😀 \"q\" \\ back\nline\u{1}\u{1F}tab\t"
            let withNul = "nul\0byte"
            try await db.write { conn in
                try conn.execute("INSERT INTO users(id, uuid, handle) VALUES (?, ?, ?)", [6, UUID(), awkward])
                try conn.execute("INSERT INTO users(id, uuid, handle) VALUES (?, ?, ?)", [7, UUID(), withNul])
            }
            db.queryLog.clear()
            let byHandle: TableLoader<String, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let big = String(repeating: "x", count: 1_000_000)
            let keys = [
                "'); DROP TABLE users; --", "100%_legit", "%", "_", "zoë", "😀", big, awkward, "\"", "\\", "nul", "[1]",
                "\"]", withNul,
            ]
            let results = await withBatchContext { await byHandle.loadMany(keys) }
            let ids: [Int?] = results.map { result in (try? result.get())??.id }
            let expected: [Int?] = [3, 4, nil, nil, 5, nil, nil, 6, nil, nil, nil, nil, nil, 7]
            #expect(ids == expected)
            #expect(results.allSatisfy { $0.failure == nil })  // the NUL key is bound exactly (issue #11)

            // JSON cannot carry the NUL: the batch binds one value per key, padded to 64, in one statement.
            let queries = loaderQueries(db)
            #expect(queries.count == 1)
            #expect(queries[0].keyCount == keys.count)
            #expect(
                queries[0].sql
                    == #"SELECT "t"."id", "t"."uuid", "t"."handle", "k"."key" FROM (SELECT column1 AS "key", "#
                    + #"column2 AS "value" FROM (VALUES "# + (0..<64).map { "(\($0),?)" }.joined(separator: ",")
                    + #")) AS "k" JOIN "users" AS "t" ON "t"."handle" = +"k"."value""#
            )
            #expect(
                db.queryLog.entries.allSatisfy {
                    $0.sql.hasPrefix("SELECT") || $0.sql == "BEGIN DEFERRED" || $0.sql == "COMMIT"
                }
            )
            #expect(try await count("users", in: db) == 7)
        }
    }

    @Test func jsonElementsEscapeExactly() throws {
        #expect(try "a\"b\\c".sqliteJSONElement() == #""a\"b\\c""#)
        #expect(try "\n\u{1F}\u{7F}é".sqliteJSONElement() == "\"\\u000A\\u001F\u{7F}é\"")
        #expect(throws: TableLoaderError.self) { try "a\0b".sqliteJSONElement() }
        #expect(try (nil as Int?).sqliteJSONElement() == nil)
        #expect(try Int64.min.sqliteJSONElement() == "-9223372036854775808")
        #expect(
            UUID(sqliteKeyValue: .text("e621e1f8-c36c-495a-93fc-0c247a3e6e5f"))?.uuidString
                == "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"
        )
        #expect(Int(sqliteKeyValue: .real(2.5)) == nil && Int(sqliteKeyValue: .real(2)) == 2)
    }

    @Test func hostileIdentifiersFailTheSchemaCheckAndRunNothingElse() async throws {
        try await withFixtureDatabase("blog") { db in
            let badTable = db.loader(BlogUser.self, table: #"users"; DROP TABLE users; --"#, key: "id")
            let badKey = db.loader(BlogUser.self, table: "users", key: #"id" OR 1=1; --"#)
            let badOrder = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id; DROP TABLE posts")
            try await withBatchContext { () async throws in
                let tableError = try #require(await capture { _ = try await badTable.load(1) } as? SchemaError)
                #expect(tableError.code == .unknownTable)
                #expect(tableError.description == #"the database has no table "users""; DROP TABLE users; --""#)

                let keyError = try #require(await capture { _ = try await badKey.load(1) } as? SchemaError)
                #expect(keyError.code == .unknownColumn)
                #expect(keyError.existingColumns == ["id", "uuid", "handle"])
                #expect(
                    keyError.description
                        == #"table "users" has no column "id"" OR 1=1; --" (the key column); its columns are: id, uuid, handle"#
                )

                let orderError = try #require(await capture { _ = try await badOrder.load(1) } as? SchemaError)
                #expect(orderError.column == "id; DROP TABLE posts")
                #expect(orderError.role == "the orderBy column")
            }
            #expect(loaderQueries(db).isEmpty)
            #expect(
                db.queryLog.entries.allSatisfy {
                    $0.sql == "SELECT name FROM main.pragma_table_xinfo(?)" || $0.sql == "BEGIN DEFERRED"
                        || $0.sql == "COMMIT"
                }
            )
            #expect(try await count("users", in: db) == 5)
            #expect(try await count("posts", in: db) == 12)
        }
    }

    @Test func requiredAndOptionalColumnsOfTheRowType() async throws {
        struct Nicknamed: Decodable, Sendable {
            let id: Int
            let nickname: String
        }
        struct MaybeNicknamed: Decodable, Sendable {
            let id: Int
            let handle: String
            let nickname: String?
        }
        try await withFixtureDatabase("blog") { db in
            let required = db.loader(Nicknamed.self, table: "users", key: "id")
            let optional = db.loader(MaybeNicknamed.self, table: "users", key: "id")
            try await withBatchContext {
                let error = try #require(await capture { _ = try await required.load(1) } as? SchemaError)
                #expect(error.column == "nickname")
                #expect(error.description.contains("(decoded by Nicknamed)"))
                #expect(error.description.hasSuffix("its columns are: id, uuid, handle"))
                let user = try #require(try await optional.load(1))
                #expect(user.handle == "alice" && user.nickname == nil)
            }
            #expect(
                loaderQueries(db).map(\.sql) == [
                    #"SELECT "t"."id", "t"."handle", "k"."key" FROM main.json_each(?) AS "k" JOIN "users" AS "t" "#
                        + #"ON "t"."id" = +"k"."value""#
                ]
            )
        }
    }

    @Test func threeHundredThousandKeysInOneQuery() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE big(id INTEGER PRIMARY KEY, label TEXT NOT NULL);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
                INSERT INTO big SELECT i, 'row ' || i FROM n;
                """
            )
            struct Big: Decodable, Sendable {
                let id: Int
                let label: String
            }
            let big = db.loader(Big.self, table: "big", key: "id")
            let count = scaled(300_000, minimum: 10_000)
            db.queryLog.clear()
            let results = try await withBatchContext { () async throws in
                let results = await big.loadMany(1...count)
                #expect(currentStatistics["big.id"].batchSizes == [count])
                return results
            }
            #expect(results.count == count)
            #expect(try results[0].get()?.label == "row 1")
            #expect(try results[count - 1].get()?.label == "row \(count)")
            #expect(results.enumerated().allSatisfy { index, result in (try? result.get())??.id == index + 1 })
            let queries = loaderQueries(db)
            #expect(queries.count == 1)
            #expect(queries.first?.keyCount == count)
            #expect(queries.first?.rowCount == count)
        }
    }
}
