import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #11 across loader shapes: every statement (a filter, top N, count, exists, many-to-many, identity priming,
/// composite keys, pages, custom SQL) binds a batch with a key JSON cannot carry one row of values per key, its own
/// values after the keys; only a custom statement with numbered parameters fails exactly such a key, with the typed
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

    /// Composite keys, pages and custom SQL bind a batch with a key JSON cannot carry one row of values per key too:
    /// a composite key's parts and a page request's key each in a column of the keys' table, a custom statement's keys
    /// in `IN (SELECT +column1 FROM (VALUES (?),…))`. Every key gets what `WHERE k = ? AND score = ?` gives it.
    @Test func compositePageAndCustomSQLStatementsBindEveryKeyExactly() async throws {
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
            try await withBatchContext { () async throws in
                async let rows = composite.loadAll([("a\0", 20), ("a", 10), ("\0", 40), ("a\0", 10), ("a", 20)])
                async let plain = pages.load("a", first: 1)
                async let withNUL = pages.load("a\0", first: 1)
                async let runs = custom.loadAll(["a", "a\0", "b", "\0", "c"])
                let (found, plainPage, nulPage, groups) = try await (rows, plain, withNUL, runs)
                #expect(found.map { $0?.id } == [2, 1, 4, nil, nil])
                #expect(plainPage.rows.map(\.id) == [1] && plainPage.hasNextPage)
                #expect(nulPage.rows.map(\.id) == [2] && nulPage.hasNextPage)
                #expect(groups.map { $0.map(\.id) } == [[1, 6], [2, 3], [5], [4], []])
                // One statement per loader, each with its keys as values, never json_each: two values per
                // composite key (its parts), two per page request (its key, the JSON of its size and cursor).
                let queries = loaderQueries(db)
                #expect(queries.count == 3)
                #expect(queries.allSatisfy { !$0.sql.contains("json_each") })
                #expect(queries.filter { $0.sql.contains("(VALUES (0,?,?),(1,?,?),") }.count == 2)
                #expect(queries.filter { $0.sql.contains("IN (SELECT +column1 FROM (VALUES (?),(?),") }.count == 1)
                #expect(queries.compactMap(\.keyCount).sorted() == [2, 5, 5])

                // The next page of the key with NUL: its cursor travels in the request's JSON, its key as a value.
                let next = try await pages.load("a\0", first: 1, after: nulPage.endCursor)
                #expect(next.rows.map(\.id) == [3] && !next.hasNextPage)
                #expect(try #require(loaderQueries(db).last).sql.contains("(VALUES (0,?,?)"))
            }
        }
    }

    /// `Data` parts of a composite key are blobs matched byte for byte, never equal to text of the same bytes; a
    /// batch longer than one `VALUES` statement runs in chunks, each key still answered by its own row.
    @Test func dataPartsAndLongBatchesOfCompositeKeys() async throws {
        struct Blob: Decodable, Sendable, Equatable {
            let id: Int
        }
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, k, n INTEGER); CREATE INDEX b_k ON b(k, n)")
            try await db.write { conn in
                try conn.execute("INSERT INTO b VALUES (1, ?, 1)", [Data([0, 1])])
                try conn.execute("INSERT INTO b VALUES (2, ?, 1)", [Data([0x61])])
                try conn.execute("INSERT INTO b VALUES (3, 'a', 1)")
            }
            let byBlob: CompositeKeyLoader<(Data, Int), Blob> = db.loader(Blob.self, table: "b", keys: ("k", "n"))
            let byText: CompositeKeyLoader<(String, Int), Blob> = db.loader(Blob.self, table: "b", keys: ("k", "n"))
            db.queryLog.clear()
            // 5,000 keys, only three of them with a row: 4,096 in the first statement, the rest in the second.
            let missing: [(Data, Int)] = (0..<4997).map { (Data([0xFF, UInt8($0 % 256), UInt8($0 / 256)]), 1) }
            let keys: [(Data, Int)] = missing + [(Data([0, 1]), 1), (Data([0x61]), 1), (Data([0, 1]), 2)]
            let (blobs, texts) = try await withBatchContext { () async throws in
                async let blobs = byBlob.loadAll(keys)
                async let texts = byText.loadAll([("a", 1), ("\0\u{1}", 1)])
                return try await (blobs, texts)
            }
            #expect(blobs.suffix(3).map { $0?.id } == [1, 2, nil])
            #expect(blobs.dropLast(3).allSatisfy { $0 == nil })
            #expect(texts.map { $0?.id } == [3, nil])
            let statements = loaderQueries(db).filter { $0.sql.contains("VALUES") }
            #expect(statements.compactMap(\.keyCount).sorted() == [2, 904, 4096])
        }
    }

    /// A custom statement with a numbered parameter (`?2`) keeps the positions its numbers name only with the
    /// `json_each` form: a key JSON cannot carry fails alone, typed and named, and the others are answered.
    @Test func customSQLWithNumberedParametersFailsExactlyTheKeysJSONCannotCarry() async throws {
        try await withShapesDatabase { db in
            let custom = db.sqlLoader(
                Scored.self,
                key: "k",
                keyType: String.self,
                reads: ["t"],
                sql: "SELECT * FROM t WHERE k IN (:keys) AND score > ?2 ORDER BY id",
                [15]
            )
            let runs = await withBatchContext { await custom.loadMany(["a", "a\0", "b"]) }
            #expect(try runs[0].get().map(\.id) == [6] && runs[2].get().map(\.id) == [5])
            let error = try #require(runs[1].failure as? TableLoaderError)
            #expect(error.code == .unsupportedKey)
            #expect(error.key.contains(#"\0"#))
            let queries = loaderQueries(db)
            #expect(queries.count == 1 && queries[0].sql.contains("json_each") && queries[0].keyCount == 2)
        }
    }
}
