import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #11 across loader shapes: every statement whose keys are single values (a filter, top N, count, exists,
/// many-to-many, identity priming) binds a batch with a key JSON cannot carry one value per key, its own values after
/// the keys; composite keys, pages and custom SQL read JSON arrays and fail exactly such a key, with the typed
/// `unsupportedKey`, while the other keys of its batch are answered.
@Suite("Keys bound exactly in every loader shape", .timeLimit(.minutes(1)))
struct KeyBindingShapeTests {
    struct Scored: Decodable, Sendable, Equatable {
        let id: Int
        let k: String
        let score: Int
    }

    struct Tag: Decodable, Sendable, Equatable {
        let id: Int
        let name: String
    }

    /// What `body` returns or throws.
    static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// Text keys, two of them with NUL, and one with no row.
    static let keys = ["a\0", "a", "\0", "c"]

    /// `t` holds two rows for `"a\0"`, two for `"a"`, one for `"\0"`; `tags` are joined to keys through `kt`.
    func withShapesDatabase(_ body: (SQLiteSource) async throws -> Void) async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, score INTEGER); CREATE INDEX t_k ON t(k);
                CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT);
                CREATE TABLE kt(k TEXT, tag_id INTEGER); CREATE INDEX kt_k ON kt(k);
                INSERT INTO tags VALUES (1, 'one'), (2, 'two'), (3, 'three');
                """
            )
            try await db.write { conn in
                for (id, key, score) in [(1, "a", 10), (2, "a\0", 20), (3, "a\0", 30), (4, "\0", 40), (5, "b", 50)] {
                    try conn.execute("INSERT INTO t(id, k, score) VALUES (?, ?, ?)", [id, key, score])
                }
                try conn.execute("INSERT INTO t(id, k, score) VALUES (?, ?, ?)", [6, "a", 60])
                for (key, tag) in [("a\0", 3), ("a\0", 1), ("a", 2), ("\0", 2), ("b", 1)] {
                    try conn.execute("INSERT INTO kt(k, tag_id) VALUES (?, ?)", [key, tag])
                }
            }
            db.queryLog.clear()
            try await body(db)
        }
    }

    @Test func filtersTopNAggregatesAndManyToManyBindEachKeyExactly() async throws {
        try await withShapesDatabase { db in
            let even = db.loader(Scored.self, table: "t", key: "k", keyType: String.self, where: "id % 2 = ?", [0])
            let best = db.groupLoader(
                Scored.self,
                table: "t",
                key: "k",
                keyType: String.self,
                where: "score > ?",
                [15],
                orderBy: "score",
                descending: true
            )
            let top = db.groupLoader(
                Scored.self,
                table: "t",
                key: "k",
                keyType: String.self,
                orderBy: "score",
                descending: true,
                limit: 1
            )
            let count = db.countLoader(table: "t", key: "k", keyType: String.self)
            let exists = db.existsLoader(table: "t", key: "k", keyType: String.self, where: "score < ?", [35])
            let tags = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "kt",
                from: "k",
                to: "tag_id",
                keyType: String.self,
                orderBy: "name"
            )
            let keys = Self.keys
            let loaded = try await withBatchContext { () async throws in
                async let evens = even.loadAll(keys)
                async let bests = best.loadAll(keys)
                async let tops = top.loadAll(keys)
                async let counts = count.loadAll(keys)
                async let existing = exists.loadAll(keys)
                async let tagged = tags.loadAll(keys)
                return try await (evens, bests, tops, counts, existing, tagged)
            }
            #expect(loaded.0.map { $0?.id } == [2, 6, 4, nil])
            #expect(loaded.1.map { $0.map(\.id) } == [[3, 2], [6], [4], []])
            #expect(loaded.2.map { $0.map(\.id) } == [[3], [6], [4], []])
            #expect(loaded.3 == [2, 2, 1, 0])
            #expect(loaded.4 == [true, true, false, false])
            #expect(loaded.5.map { $0.map(\.name) } == [["one", "three"], ["two"], ["two"], []])
            // One statement per loader, each with the keys as values (padded to 8), never json_each.
            let queries = loaderQueries(db)
            #expect(queries.count == 6)
            #expect(queries.allSatisfy { $0.sql.contains("(VALUES (0,?),") && !$0.sql.contains("json_each") })
            #expect(queries.allSatisfy { $0.keyCount == 4 })
        }
    }

    /// A group loader read with values primes the by-primary-key loader of its table as the JSON form does.
    @Test func rowsReadWithValuesPrimeTheByKeyLoader() async throws {
        try await withShapesDatabase { db in
            let byKey = db.groupLoader(Scored.self, table: "t", key: "k", keyType: String.self, orderBy: "id")
            let byID = db.loader(Scored.self, table: "t", key: "id")
            try await withBatchContext { () async throws in
                let runs = try await byKey.loadAll(Self.keys)
                #expect(runs.map { $0.map(\.id) } == [[2, 3], [1, 6], [4], []])
                let before = loaderQueries(db).count
                let rows = try await byID.loadAll([2, 3, 4, 6])
                #expect(rows.map { $0?.k } == ["a\0", "a\0", "\0", "a"])
                #expect(loaderQueries(db).count == before)  // primed: no query
            }
        }
    }

    /// Composite keys, pages and custom SQL send JSON arrays: a key with NUL fails alone, typed and named, and the
    /// other keys of its batch are answered in the same statement.
    @Test func jsonArrayStatementsFailExactlyTheKeysJSONCannotCarry() async throws {
        try await withShapesDatabase { db in
            let composite: CompositeKeyLoader<(String, Int), Scored> = db.loader(
                Scored.self,
                table: "t",
                keys: ("k", "score")
            )
            let pages = db.pageLoader(Scored.self, table: "t", key: "k", keyType: String.self, orderBy: "id")
            let custom = db.sqlLoader(
                Scored.self,
                key: "k",
                keyType: String.self,
                reads: ["t"],
                sql: "SELECT * FROM t WHERE k IN (:keys) AND score > ? ORDER BY id",
                [5]
            )
            let (rows, firstPage, badPage, runs) = await withBatchContext {
                async let rows = composite.loadMany([("a\0", 20), ("a", 10), ("\0", 40)])
                async let firstPage = Self.outcome { try await pages.load("a", first: 1) }
                async let badPage = Self.outcome { try await pages.load("a\0", first: 1) }
                async let runs = custom.loadMany(["a", "a\0", "b"])
                return await (rows, firstPage, badPage, runs)
            }
            #expect(try rows[1].get()?.id == 1)
            #expect(try firstPage.get().rows.map(\.id) == [1])
            #expect(try runs[0].get().map(\.id) == [1, 6] && runs[2].get().map(\.id) == [5])
            for failure in [rows[0].failure, rows[2].failure, badPage.failure, runs[1].failure] {
                let error = try #require(failure as? TableLoaderError)
                #expect(error.code == .unsupportedKey)
                #expect(error.key.contains(#"\0"#))
            }
            #expect((rows[0].failure as? TableLoaderError)?.table == "t")
            // One statement per loader, each through json_each, with only the keys JSON carries.
            let queries = loaderQueries(db)
            #expect(queries.count == 3)
            #expect(queries.allSatisfy { !$0.sql.contains("VALUES") })
            #expect(queries.compactMap(\.keyCount).sorted() == [1, 1, 2])
        }
    }
}
