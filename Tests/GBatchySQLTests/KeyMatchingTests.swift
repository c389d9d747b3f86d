import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #9: a table loader gives each key exactly the rows SQLite's own comparison matches for it (the key column's
/// collation and affinity, byte-wise text), in the batch, in the cache and when rows go back to their keys.
@Suite("Keys match as SQLite compares them", .timeLimit(.minutes(1)))
struct KeyMatchingTests {
    struct Keyed: Decodable, Sendable, Equatable {
        let id: Int
    }

    /// "é" as one scalar and as "e" + U+0301: equal for Swift's `==`, different bytes for SQLite.
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    /// Keys differing by case, Unicode normalization and trailing spaces, for text columns.
    static let textKeys = [
        "ann@x.org", "Ann@X.org", "ANN@X.ORG", "ann@x.org ", "bob", "Bob", "bob ", "bob  ", " bob", "",
        composed, decomposed, "CAF\u{C9}", "CAFE\u{301}", composed + " ", decomposed + " ", "\u{E9}", "e\u{301}",
        "\u{C9}", "stra\u{DF}e", "STRASSE", "\u{130}", "i",
    ]

    /// Text keys for an `INTEGER` column: SQLite converts text that looks like a number before comparing.
    static let numericKeys = ["7", "07", "7.0", "+7", "8", "08", "x", "0", "-0", "1e1", "10", " 9", "9 "]

    /// A seeded differential check: random keys (case, Unicode forms, trailing spaces) loaded through a single-row
    /// and a group loader, over several ticks of one context (so cached keys meet new ones), must give each key
    /// what `SELECT id FROM t WHERE k = ?` gives it.
    @Test(arguments: [
        ("TEXT", 1), ("TEXT COLLATE NOCASE", 2), ("TEXT COLLATE RTRIM", 3), ("INTEGER", 4),
    ])
    func loadersAgreeWithWhereKeyEqualsOnRandomKeys(column: String, seed: UInt64) async throws {
        let pool = column == "INTEGER" ? Self.numericKeys : Self.textKeys
        var random = SplitMix64(seed: seed)
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k \(column)); CREATE INDEX t_k ON t(k)")
            let values = (0..<40).map { _ in pool[Int.random(in: pool.indices, using: &random)] }
            try await db.write { conn in
                for value in values { try conn.execute("INSERT INTO t(k) VALUES (?)", [value]) }
            }
            let single: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "t", key: "k")
            let group: GroupLoader<String, Keyed> = db.groupLoader(Keyed.self, table: "t", key: "k", orderBy: "id")
            for round in 0..<12 {
                let ticks = (0..<3).map { _ in
                    (0..<Int.random(in: 1...6, using: &random)).map { _ in
                        pool[Int.random(in: pool.indices, using: &random)]
                    }
                }
                // Per position, not in a `[String: …]`: a Swift dictionary would merge canonically equivalent keys.
                var expected: [[[Int]]] = []
                for keys in ticks {
                    var tick: [[Int]] = []
                    for key in keys {
                        tick.append(try await db.query("SELECT id FROM t WHERE k = ? ORDER BY id", [key], as: Int.self))
                    }
                    expected.append(tick)
                }
                try await withBatchContext { () async throws in
                    for (keys, expected) in zip(ticks, expected) {
                        async let singles = single.loadMany(keys)
                        async let groups = group.loadMany(keys)
                        let (rows, runs) = await (singles, groups)
                        for (offset, key) in keys.enumerated() {
                            let want = expected[offset]
                            let label = "seed \(seed), round \(round), key \(key.debugDescription) in \(keys)"
                            #expect(try runs[offset].get().map(\.id) == want, "\(label)")
                            switch want.count {
                            case 0, 1: #expect((try? rows[offset].get())?.id == want.first, "\(label)")
                            default:
                                let error = rows[offset].failure as? TableLoaderError
                                #expect(error?.code == .duplicateKey && error?.rowCount == want.count, "\(label)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The same check with integer keys, whose group loader may use the ordered `IN` form, on columns of every
    /// affinity: each key gets what `WHERE k = ?` gives it, each group in `orderBy` order, ascending and descending.
    @Test(arguments: [("INTEGER", 11), ("TEXT", 12), ("REAL", 13), ("", 14), ("NUMERIC COLLATE NOCASE", 15)])
    func integerKeysAgreeWithWhereKeyEquals(column: String, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k \(column), rank INTEGER); CREATE INDEX t_k ON t(k)"
            )
            // Values of every storage class, some equal to a key only after a conversion.
            let values: [any SQLiteBindable] = [7, 8, 9, 7.0, 8.5, "7", "07", "8", " 9", "x", Data([7])]
            // Distinct ranks, so that `orderBy` alone orders each group.
            let rows = (0..<40).shuffled(using: &random).map { rank in
                (values[Int.random(in: values.indices, using: &random)], rank)
            }
            try await db.write { conn in
                for (value, rank) in rows { try conn.execute("INSERT INTO t(k, rank) VALUES (?, ?)", [value, rank]) }
            }
            let single = db.loader(Keyed.self, table: "t", key: "k")
            let ascending = db.groupLoader(Keyed.self, table: "t", key: "k", orderBy: "rank")
            let descending = db.groupLoader(Keyed.self, table: "t", key: "k", orderBy: "rank", descending: true)
            for round in 0..<8 {
                let keys = (0..<Int.random(in: 1...5, using: &random)).map { _ in Int.random(in: 6...10, using: &random)
                }
                var expected: [[Int]] = []
                for key in keys {
                    expected.append(
                        try await db.query("SELECT id FROM t WHERE k = ? ORDER BY rank", [key], as: Int.self)
                    )
                }
                let (results, up, down) = await withBatchContext {
                    async let rows = single.loadMany(keys)
                    async let up = ascending.loadMany(keys)
                    async let down = descending.loadMany(keys)
                    return await (rows, up, down)
                }
                for (offset, key) in keys.enumerated() {
                    let label = "column \(column), seed \(seed), round \(round), key \(key) in \(keys)"
                    let want = expected[offset]
                    #expect(try up[offset].get().map(\.id) == want, "\(label)")
                    #expect(try down[offset].get().map(\.id) == want.reversed(), "\(label)")
                    switch want.count {
                    case 0, 1: #expect((try? results[offset].get())?.id == want.first, "\(label)")
                    default: #expect((results[offset].failure as? TableLoaderError)?.rowCount == want.count, "\(label)")
                    }
                }
            }
        }
    }

    /// The issue's first case: with only the decomposed row, loading both forms in one tick (or the composed form
    /// first) must not hide it; with both rows, each form gets its own row.
    @Test func canonicallyEquivalentStringsAreDifferentKeys() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE words(id INTEGER PRIMARY KEY, word TEXT UNIQUE)")
            try await db.execute("INSERT INTO words VALUES (1, ?)", [Self.decomposed])
            let byWord: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "words", key: "word")
            try await withBatchContext { () async throws in
                async let composed = byWord.load(Self.composed)
                async let decomposed = byWord.load(Self.decomposed)
                let rows = try await [composed, decomposed]
                #expect(rows == [nil, Keyed(id: 1)])
                #expect(currentStatistics["words.word"].batchSizes == [2])
            }
            try await withBatchContext { () async throws in
                #expect(try await byWord.load(Self.composed) == nil)
                #expect(try await byWord.load(Self.decomposed) == Keyed(id: 1))  // not the cached nil of the other
            }
            try await db.execute("INSERT INTO words VALUES (2, ?)", [Self.composed])
            try await withBatchContext { () async throws in
                async let composed = byWord.load(Self.composed)
                async let decomposed = byWord.load(Self.decomposed)
                let rows = try await [composed, decomposed]
                #expect(rows == [Keyed(id: 2), Keyed(id: 1)])
            }
        }
    }

    /// The issue's second case: on a `COLLATE NOCASE` key column, `load("Ann@X.org")` finds the row 'ann@x.org', as
    /// `WHERE email = 'Ann@X.org'` does, and two spellings loaded together both get it.
    @Test func aNocaseKeyColumnMatchesEverySpellingSQLiteMatches() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE people(id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE);
                INSERT INTO people VALUES (1, 'ann@x.org'), (2, 'bob@x.org');
                """
            )
            let byEmail: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "people", key: "email")
            let allByEmail: GroupLoader<String, Keyed> = db.groupLoader(Keyed.self, table: "people", key: "email")
            try await withBatchContext { () async throws in
                #expect(try await byEmail.load("Ann@X.org") == Keyed(id: 1))
                async let spellings = byEmail.loadAll(["ANN@x.org", "ann@x.org", "BOB@X.ORG", "carl@x.org"])
                async let groups = allByEmail.loadAll(["Ann@X.org", "ann@x.org"])
                let (rows, runs) = try await (spellings, groups)
                #expect(rows.map { $0?.id } == [1, 1, 2, nil])
                #expect(runs.map { $0.map(\.id) } == [[1], [1]])
            }
        }
    }

    /// The join keeps using the key column's index: SQLite walks the bound keys and searches the index for each.
    @Test func theLoaderQuerySearchesTheKeyColumnIndex() async throws {
        struct PlanStep: Decodable, Sendable { let detail: String }
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE people(id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, team INTEGER);
                CREATE INDEX people_team ON people(team);
                """
            )
            let byEmail: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "people", key: "email")
            let byTeam = db.groupLoader(Keyed.self, table: "people", key: "team", orderBy: "id")
            let byID = db.loader(Keyed.self, table: "people", key: "id")
            db.queryLog.clear()
            try await withBatchContext { () async throws in
                async let a = byEmail.load("a")
                async let b = byTeam.load(1)
                async let c = byID.load(1)
                _ = try await (a, b, c)
            }
            let statements = loaderQueries(db).map(\.sql)
            #expect(statements.count == 3)
            #expect(statements.filter { $0.contains(" JOIN ") }.count == 2)
            for sql in statements {
                let plan = try await db.query("EXPLAIN QUERY PLAN " + sql, ["[1]"], as: PlanStep.self).map(\.detail)
                #expect(
                    plan.contains {
                        $0.hasPrefix("SEARCH t USING") && ($0.contains("INDEX") || $0.contains("PRIMARY KEY"))
                    },
                    "\(plan)"
                )
                if sql.contains(" JOIN ") {
                    #expect(plan.first?.hasPrefix("SCAN k VIRTUAL TABLE") == true, "\(plan)")
                } else {
                    // The group loader's ordered form: the index gives each key's rows in order, with no sort.
                    #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
                }
            }
        }
    }

    /// A table, or a view, named json_each must not break the loaders of other tables: the function is called
    /// through a schema that does not hold it. The object may exist before the loader's first query or appear after.
    @Test(arguments: FixtureStorage.allCases)
    func anObjectNamedJSONEachDoesNotShadowTheFunction(storage: FixtureStorage) async throws {
        try await withFixtureDatabase("blog", storage: storage) { db in
            let users = db.loader(BlogUser.self, table: "users", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            try await withBatchContext { () async throws in
                #expect(try await users.load(1)?.handle == "alice")
            }
            try await db.execute(
                "CREATE TABLE json_each(id INTEGER PRIMARY KEY, value TEXT); INSERT INTO json_each VALUES (1, 'x')"
            )
            let later = db.loader(BlogUser.self, table: "users", key: "handle", keyType: String.self)
            let itself = db.loader(BlogUser.self, table: "json_each", key: "id")
            struct Each: Decodable, Sendable { let id: Int; let value: String }
            let eachRows = db.loader(Each.self, table: "json_each", key: "value", keyType: String.self)
            try await withBatchContext { () async throws in
                async let a = users.load(2)
                async let b = postsByAuthor.load(1)
                async let c = later.load("alice")
                async let d = eachRows.load("x")
                let (bob, posts, alice, each) = try await (a, b, c, d)
                #expect(bob?.handle == "bob")
                #expect(posts.map(\.id) == [1, 2, 3, 4])
                #expect(alice?.id == 1)
                #expect(each?.id == 1)
                let error = await capture { _ = try await itself.load(1) }
                #expect((error as? SchemaError)?.column == "uuid")  // the table is found; it lacks BlogUser's columns
            }
            // A temporary object of that name on the connection that runs the loaders.
            try await db.execute("DROP TABLE json_each; CREATE TEMP VIEW json_each AS SELECT 1 AS id")
            let fresh = db.loader(BlogUser.self, table: "users", key: "id")
            try await withBatchContext { () async throws in
                async let a = fresh.load(3)
                async let b = postsByAuthor.load(2)
                let (three, posts) = try await (a, b)
                #expect(three?.id == 3)
                #expect(posts.map(\.id) == [5, 6, 7])
            }
        }
    }

    /// The schema check reads a table's columns through pragma_table_xinfo: an object of that name, in the database
    /// or in the connection's temporary schema, must not break it.
    @Test(arguments: FixtureStorage.allCases)
    func anObjectNamedPragmaTableXinfoDoesNotBreakTheSchemaCheck(storage: FixtureStorage) async throws {
        try await withFixtureDatabase("blog", storage: storage) { db in
            try await db.execute(
                "CREATE TABLE pragma_table_xinfo(name TEXT); INSERT INTO pragma_table_xinfo VALUES ('x')"
            )
            let users = db.loader(BlogUser.self, table: "users", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            try await withBatchContext { () async throws in
                async let a = users.load(1)
                async let b = postsByAuthor.load(1)
                let (alice, posts) = try await (a, b)
                #expect(alice?.handle == "alice")
                #expect(posts.map(\.id) == [1, 2, 3, 4])
            }
            try await db.execute(
                "DROP TABLE pragma_table_xinfo; CREATE TEMP VIEW pragma_table_xinfo AS SELECT 1 AS name"
            )
            let fresh = db.loader(BlogUser.self, table: "users", key: "id")
            try await withBatchContext { () async throws in
                #expect(try await fresh.load(2)?.handle == "bob")
            }
        }
    }

    /// A NUL character in a table, key column or orderBy name fails the schema check with a ``SchemaError`` naming
    /// the whole name, instead of passing it against the name cut at the NUL and failing later in SQLite.
    @Test func namesWithNULFailTheSchemaCheck() async throws {
        try await withFixtureDatabase("blog") { db in
            let table = db.loader(BlogUser.self, table: "users\0; DROP TABLE users", key: "id")
            let key = db.loader(BlogUser.self, table: "users", key: "id\0x")
            let order = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id\0")
            let groupKey = db.groupLoader(Post.self, table: "posts", key: "author_id\0")
            try await withBatchContext { () async throws in
                let tableError = try #require(await capture { _ = try await table.load(1) } as? SchemaError)
                #expect(tableError.code == .unknownTable)
                #expect(tableError.table == "users\0; DROP TABLE users")
                #expect(tableError.description == #"the database has no table "users\0; DROP TABLE users""#)
                let keyError = try #require(await capture { _ = try await key.load(1) } as? SchemaError)
                #expect(
                    keyError.code == .unknownColumn && keyError.column == "id\0x" && keyError.role == "the key column"
                )
                #expect(keyError.description.hasPrefix(#"table "users" has no column "id\0x" (the key column)"#))
                let orderError = try #require(await capture { _ = try await order.load(1) } as? SchemaError)
                #expect(orderError.column == "id\0" && orderError.role == "the orderBy column")
                let groupError = try #require(await capture { _ = try await groupKey.load(1) } as? SchemaError)
                #expect(groupError.column == "author_id\0" && groupError.table == "posts")
            }
            #expect(loaderQueries(db).isEmpty)
            #expect(try await count("users", in: db) == 5)
        }
    }

    /// A NUL in a text key cannot travel through json_each exactly (issue #11): the batch binds each key as one value
    /// instead, so the key gets exactly its own row, in one statement, and never the row of the text cut at the NUL.
    @Test func aKeyWithNULIsBoundExactly() async throws {
        try await withFixtureDatabase("blog") { db in
            try await db.write { conn in
                try conn.execute("INSERT INTO users(id, uuid, handle) VALUES (?, ?, ?)", [9, UUID(), "ali\0ce"])
                try conn.execute("INSERT INTO users(id, uuid, handle) VALUES (?, ?, ?)", [10, UUID(), "ali"])
            }
            db.queryLog.clear()
            let byHandle: TableLoader<String, BlogUser> = db.loader(BlogUser.self, table: "users", key: "handle")
            let groupByHandle: GroupLoader<String?, BlogUser> = db.groupLoader(
                BlogUser.self,
                table: "users",
                key: "handle"
            )
            let (rows, runs) = await withBatchContext {
                async let rows = byHandle.loadMany(["alice", "ali\0ce", "bob", "ali\0"])
                async let runs = groupByHandle.loadMany(["ali\0ce", nil, "bob", "\0"])
                return await (rows, runs)
            }
            #expect(try rows.map { try $0.get()?.id } == [1, 9, 2, nil])
            #expect(try runs.map { try $0.get().map(\.id) } == [[9], [], [2], []])
            #expect(loaderQueries(db).compactMap(\.keyCount).sorted() == [3, 4])
        }
    }
}
