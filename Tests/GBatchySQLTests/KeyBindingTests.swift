import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #11: every key value is bound exactly. A batch whose keys JSON can carry binds one JSON array for
/// `json_each`; a batch with a key it cannot carry (text containing NUL, a `Data` blob) binds one value per key in a
/// padded `VALUES` list. Either way each key gets what `WHERE k = ?` gives it.
@Suite("Every key value is bound exactly", .timeLimit(.minutes(1)))
struct KeyBindingTests {
    struct Keyed: Decodable, Sendable, Equatable {
        let id: Int
    }

    /// Text keys that only exact binding tells apart: NUL anywhere, empty, and a megabyte long.
    static let huge = String(repeating: "x", count: 1_000_000)
    static let awkwardText = [
        "", "a", "a\0", "a\0b", "\0", "\0\0", "\0a", "A\0B", "a ", "a\0 ", huge, huge + "\0", "\0" + huge,
    ]

    @Test func nulEmptyAndHugeTextKeysAreBoundExactly() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT); CREATE INDEX t_k ON t(k)")
            try await db.write { conn in
                for (id, key) in Self.awkwardText.enumerated() {
                    try conn.execute("INSERT INTO t(id, k) VALUES (?, ?)", [id + 1, key])
                }
            }
            let single: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "t", key: "k")
            let group: GroupLoader<String, Keyed> = db.groupLoader(Keyed.self, table: "t", key: "k", orderBy: "id")
            db.queryLog.clear()
            let (rows, runs) = try await withBatchContext { () async throws in
                async let rows = single.loadAll(Self.awkwardText + ["b\0"])
                async let runs = group.loadAll(Self.awkwardText + ["b\0"])
                return try await (rows, runs)
            }
            #expect(rows.map { $0?.id } == Self.awkwardText.indices.map { $0 + 1 } + [nil])
            #expect(runs.map { $0.map(\.id) } == Self.awkwardText.indices.map { [$0 + 1] } + [[]])
            // One statement per loader: the keys as values, padded to 64.
            let queries = loaderQueries(db)
            #expect(queries.map(\.keyCount) == [14, 14])
            #expect(queries.allSatisfy { $0.sql.contains("(VALUES (0,?),") && $0.sql.contains(",(63,?))") })
        }
    }

    struct Blob: Decodable, Sendable, Equatable {
        let id: Int
        let k: Data?
    }

    /// `Data` keys match `BLOB` values byte for byte, NUL bytes included, and never text with the same bytes.
    @Test func dataKeysMatchBlobsByteForByte() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, k BLOB); CREATE INDEX b_k ON b(k)")
            let blobs = [Data(), Data([0]), Data([0, 0]), Data([0x61, 0, 0x62]), Data([0x61, 0x62]), Data([0xFF])]
            try await db.write { conn in
                for (id, blob) in blobs.enumerated() {
                    try conn.execute("INSERT INTO b(id, k) VALUES (?, ?)", [id + 1, blob])
                }
                // Text 'ab' has the bytes of blob x'6162', and SQLite tells them apart.
                try conn.execute("INSERT INTO b(id, k) VALUES (100, 'ab')")
            }
            let single: TableLoader<Data, Blob> = db.loader(Blob.self, table: "b", key: "k")
            let group: GroupLoader<Data?, Blob> = db.groupLoader(Blob.self, table: "b", key: "k")
            let keys = blobs + [Data([0x61]), Data([0, 0, 0])]
            let (rows, runs) = try await withBatchContext { () async throws in
                async let rows = single.loadAll(keys)
                async let runs = group.loadAll(keys.map { $0 } + [nil])
                return try await (rows, runs)
            }
            #expect(rows.map { $0?.id } == [1, 2, 3, 4, 5, 6, nil, nil])
            #expect(rows.compactMap { $0?.k } == blobs)
            #expect(runs.map { $0.map(\.id) } == [[1], [2], [3], [4], [5], [6], [], [], []])
        }
    }

    /// 300,000 keys in one tick for each form that binds one value per key (text with a NUL, `Data`), side by side:
    /// every key gets its row, in chunks of one statement, all in one read transaction. (The JSON form's 300,000 keys:
    /// `HostileInputTests.threeHundredThousandKeysInOneQuery`.)
    @Test func threeHundredThousandTextAndDataKeysInOneTick() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT NOT NULL, b BLOB NOT NULL);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
                INSERT INTO big SELECT i, 'k' || i, CAST('k' || i AS BLOB) FROM n;
                CREATE UNIQUE INDEX big_t ON big(t);
                CREATE UNIQUE INDEX big_b ON big(b);
                UPDATE big SET t = 'k1' || char(0) || 'x' WHERE id = 1;
                """
            )
            struct Big: Decodable, Sendable {
                let id: Int
            }
            let byText: TableLoader<String, Big> = db.loader(Big.self, table: "big", key: "t")
            let byBlob: TableLoader<Data, Big> = db.loader(Big.self, table: "big", key: "b")
            let count = scaled(300_000, minimum: 10_000)
            let texts = ["k1\0x"] + (2...count).map { "k\($0)" }
            let blobs = (1...count).map { Data("k\($0)".utf8) }
            db.queryLog.clear()
            let (textRows, blobRows) = try await withBatchContext { () async throws in
                async let textRows = byText.loadAll(texts)
                async let blobRows = byBlob.loadAll(blobs)
                return try await (textRows, blobRows)
            }
            #expect(textRows.map { $0?.id } == (1...count).map { $0 })
            #expect(blobRows.map { $0?.id } == (1...count).map { $0 })
            let queries = loaderQueries(db)
            #expect(queries.compactMap(\.keyCount).reduce(0, +) == 2 * count)
            #expect(queries.count == 2 * (count / KeyBinding.longestLength(width: 1) + 1))
            // One read transaction for both loaders' chunks: one snapshot.
            #expect(db.queryLog.entries.filter { $0.sql == "BEGIN DEFERRED" }.count == 1)
        }
    }

    /// A seeded differential check of both forms: random batches of text keys (NUL, case, trailing spaces), some with a
    /// NUL key (one value per key) and some without (one JSON array), through a single-row and a group loader, must
    /// give each key what `SELECT id FROM t WHERE k = ?` gives it, on `BINARY`, `NOCASE`, `RTRIM` and `INTEGER` columns.
    @Test(arguments: [
        ("TEXT", 21), ("TEXT COLLATE NOCASE", 22), ("TEXT COLLATE RTRIM", 23), ("INTEGER", 24),
    ])
    func bothFormsAgreeWithWhereKeyEquals(column: String, seed: UInt64) async throws {
        let pool = [
            "a", "A", "a ", "a\0", "A\0", "a\0 ", "\0", "", " ", "b", "B ", "7", "07", "7.0", "x\0y", "X\0Y", "x",
        ]
        var random = SplitMix64(seed: seed)
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k \(column)); CREATE INDEX t_k ON t(k)")
            let values = (0..<40).map { _ in pool[Int.random(in: pool.indices, using: &random)] }
            try await db.write { conn in
                for value in values { try conn.execute("INSERT INTO t(k) VALUES (?)", [value]) }
            }
            let single: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "t", key: "k")
            let group: GroupLoader<String, Keyed> = db.groupLoader(Keyed.self, table: "t", key: "k", orderBy: "id")
            var forms: Set<Bool> = []
            for round in 0..<16 {
                let keys = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                    pool[Int.random(in: pool.indices, using: &random)]
                }
                forms.insert(keys.contains { $0.contains("\0") })
                var expected: [[Int]] = []
                for key in keys {
                    expected.append(try await db.query("SELECT id FROM t WHERE k = ? ORDER BY id", [key], as: Int.self))
                }
                let (rows, runs) = await withBatchContext {
                    async let rows = single.loadMany(keys)
                    async let runs = group.loadMany(keys)
                    return await (rows, runs)
                }
                for (offset, key) in keys.enumerated() {
                    let want = expected[offset]
                    let label = "seed \(seed), round \(round), key \(key.debugDescription) in \(keys)"
                    #expect(try runs[offset].get().map(\.id) == want, "\(label)")
                    if want.count <= 1 {
                        #expect((try? rows[offset].get())?.id == want.first, "\(label)")
                    } else {
                        #expect((rows[offset].failure as? TableLoaderError)?.code == .duplicateKey, "\(label)")
                    }
                }
            }
            #expect(forms == [true, false], "both forms ran")
        }
    }

    /// Batches of every size keep a bounded number of statements: the padded lengths, per loader.
    @Test func valuesStatementsAreBoundedWhateverTheBatchSizes() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT)")
            let single: TableLoader<String, Keyed> = db.loader(Keyed.self, table: "t", key: "k")
            var counts: [Int] = []
            for size in [1, 2, 3, 9, 63, 64, 65, 700, 5000, 9000] {
                let keys = ["\0"] + (1..<size).map { "k\($0)" }
                _ = try await withBatchContext { try await single.loadAll(keys) }
                counts.append(await db.preparedStatementCount)
            }
            let before = counts[0]
            #expect(counts.last == before + KeyBinding.paddedLengths.count - 1, "\(counts)")
        }
    }
}
