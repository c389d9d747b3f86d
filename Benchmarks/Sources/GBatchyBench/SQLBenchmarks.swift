import Foundation
import GBatchy
import GBatchySQL
import GRDB

/// The row of every SQL workload, decoded the same way by the raw floor, GBatchy and GRDB.
struct Item: Decodable, Sendable, Equatable, FetchableRecord, TableRecord {
    static let databaseTableName = "items"
    let id: Int64
    let parentID: Int64
    let name: String
    let score: Double

    enum CodingKeys: String, CodingKey {
        case id
        case parentID = "parent_id"
        case name
        case score
    }
}

/// `Item` read by position, with no `Decodable` machinery: the floor a loader can reach.
struct PositionalItem: SQLiteRowDecodable, Equatable {
    static let columns = ["id", "parent_id", "name", "score"]
    let id: Int64
    let parentID: Int64
    let name: String
    let score: Double

    init(row: SQLiteColumns) throws {
        id = try row[0]
        parentID = try row[1]
        name = try row[2]
        score = try row[3]
    }
}

/// S0–S6: GBatchy's SQLite loaders against the raw C API and GRDB, on a generated database of 1,000,000 rows.
struct SQLBenchmarks {
    let plan: Plan
    let c1Floor: Double
    let path: String

    static let rowCount = 1_000_000

    /// Builds the database once and keeps it beside the build products.
    static func prepareDatabase(quick: Bool) throws -> String {
        let rows = quick ? 100_000 : rowCount
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build", isDirectory: true).standardized
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("bench-items-\(rows).sqlite").path
        if RawSQLite.itemCount(path: path) == rows { return path }
        try? FileManager.default.removeItem(atPath: path)
        try RawSQLite.execute(
            """
            PRAGMA journal_mode = WAL;
            CREATE TABLE items (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, name TEXT NOT NULL,
                                score REAL NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO items SELECT i, i / 10, 'item ' || i, i * 0.5 FROM n;
            CREATE INDEX items_parent_id ON items(parent_id);
            ANALYZE;
            """,
            path: path
        )
        return path
    }

    func run() async throws -> [Row] {
        var rows: [Row] = []
        var generator = SplitMix64(seed: 42)
        let rowCount = plan.quick ? 100_000 : Self.rowCount
        var keySet: Set<Int64> = []
        while keySet.count < 1000 { keySet.insert(Int64.random(in: 1...Int64(rowCount), using: &generator)) }
        let keys = Array(keySet)
        var parentSet: Set<Int64> = []
        while parentSet.count < 1000 { parentSet.insert(Int64.random(in: 1..<Int64(rowCount / 10), using: &generator)) }
        let parents = Array(parentSet)

        let raw = try RawSQLite(path: path)
        let db = try SQLiteSource(path: path, configuration: .init(isQueryLogEnabled: false))
        defer { Task { await db.close() } }
        let items = db.loader(Item.self, table: "items", key: "id", keyType: Int64.self)
        let children = db.groupLoader(Item.self, table: "items", key: "parent_id", keyType: Int64.self, orderBy: "id")
        let positional = db.loader(PositionalItem.self, table: "items", key: "id", keyType: Int64.self)
        let positionalChildren = db.groupLoader(
            PositionalItem.self,
            table: "items",
            key: "parent_id",
            keyType: Int64.self,
            orderBy: "id"
        )
        let grdb = try DatabasePool(path: path)

        // Check that all three answer the same before timing anything.
        let expected = try raw.items(where: "id", in: keys).sorted { $0.id < $1.id }
        let ours = try await withBatchContext { try await items.loadAll(keys) }.compactMap { $0 }.sorted {
            $0.id < $1.id
        }
        let theirs = try await grdb.read { db in try Item.fetchAll(db, keys: keys) }.sorted { $0.id < $1.id }
        let positionalRows = try await withBatchContext { try await positional.loadAll(keys) }.compactMap { $0 }
            .map { Item(id: $0.id, parentID: $0.parentID, name: $0.name, score: $0.score) }.sorted { $0.id < $1.id }
        guard expected.count == 1000, ours == expected, theirs == expected, positionalRows == expected else {
            throw BenchError("the SQL workloads disagree: \(expected.count) / \(ours.count) / \(theirs.count) rows")
        }

        // S0, S1 and GRDB, side by side.
        let s1 = try await measureSideBySide(
            plan,
            [
                { _ = try raw.items(where: "id", in: keys) },
                { _ = try await withBatchContext { try await items.loadAll(keys) } },
                { _ = try await grdb.read { db in try Item.fetchAll(db, keys: keys) } },
                { _ = try await withBatchContext { try await positional.loadAll(keys) } },
            ]
        )
        let (s0Time, s1Time, grdbTime) = (s1[0], s1[1], s1[2])
        rows.append(
            row("S0", "raw C API: IN (1000 keys) into structs", s0Time, result: "", target: "(reference)", pass: nil)
        )
        let s1Ratio = s1Time.median / s0Time.median
        let s1GRDB = s1Time.median / grdbTime.median
        rows.append(
            row(
                "S1",
                "loader.loadMany(1000 keys), Decodable",
                s1Time,
                result: String(format: "%.2f× S0, %.2f× GRDB", s1Ratio, s1GRDB),
                target: "≤ 1.3× S0 and ≤ 1.0× GRDB",
                pass: s1Ratio <= 1.3 && s1GRDB <= 1.0,
                values: ["ratio_s0": s1Ratio, "ratio_grdb": s1GRDB]
            )
        )
        let s1pRatio = s1[3].median / s0Time.median
        rows.append(
            row(
                "S1p",
                "loader.loadMany(1000 keys), SQLiteRowDecodable",
                s1[3],
                result: String(format: "%.2f× S0", s1pRatio),
                target: "≤ 1.1× S0",
                pass: s1pRatio <= 1.1,
                values: ["ratio_s0": s1pRatio]
            )
        )
        rows.append(
            row("S1g", "GRDB 7.10 Item.fetchAll(db, keys:)", grdbTime, result: "", target: "(reference)", pass: nil)
        )

        // S2: 1000 concurrent loads, and S3: the N+1 pattern, ours and GRDB's.
        let nPlusOne = plan.quick ? Plan(warmups: 0, runs: 1, quick: true) : Plan(warmups: 1, runs: 5, quick: false)
        let s2 = try await measureSideBySide(
            plan,
            [
                {
                    try await withBatchContext {
                        try await concurrentLoads(1000) {
                            _ = try await items.load(keys[$0]); return 0
                        }
                    }
                },
                { _ = try raw.items(where: "id", in: keys) },
            ]
        )
        let s2Ratio = s2[0].median / (s2[1].median + c1Floor)
        rows.append(
            row(
                "S2",
                "1000 concurrent loads in one context",
                s2[0],
                result: String(format: "%.2f× (S0 + C1 floor)", s2Ratio),
                target: "≤ 1.3× (S0 + C1 floor)",
                pass: s2Ratio <= 1.3,
                values: ["ratio": s2Ratio]
            )
        )
        let s3 = try await measureSideBySide(
            nPlusOne,
            [
                {
                    for key in keys {
                        _ = try await db.query(
                            "SELECT id, parent_id, name, score FROM items WHERE id = ?",
                            [key],
                            as: Item.self
                        )
                    }
                },
                {
                    for key in keys { _ = try await grdb.read { db in try Item.fetchOne(db, key: key) } }
                },
            ]
        )
        let s3Speedup = s3[0].median / s2[0].median
        rows.append(
            row(
                "S3",
                "N+1: 1000 sequential queries, db.query",
                s3[0],
                result: String(format: "S2 %.1f× faster", s3Speedup),
                target: "S2 ≥ 2.5× faster",
                pass: s3Speedup >= 2.5,
                values: ["speedup": s3Speedup]
            )
        )
        rows.append(
            row(
                "S3g",
                "N+1: 1000 sequential queries, GRDB",
                s3[1],
                result: String(format: "S2 %.1f× faster", s3[1].median / s2[0].median),
                target: "(reference)",
                pass: nil
            )
        )

        // S4: one-to-many.
        let s4 = try await measureSideBySide(
            plan,
            [
                { _ = try await withBatchContext { try await children.loadAll(parents) } },
                { _ = try raw.items(where: "parent_id", in: parents, orderBy: "parent_id, id") },
                { _ = try await withBatchContext { try await positionalChildren.loadAll(parents) } },
            ]
        )
        let s4Ratio = s4[0].median / s4[1].median
        rows.append(
            row(
                "S4",
                "groupLoader.loadMany(1000 keys × 10 rows)",
                s4[0],
                result: String(format: "%.2f× raw", s4Ratio),
                target: "≤ 1.4× raw C",
                pass: s4Ratio <= 1.4,
                values: ["ratio_raw": s4Ratio]
            )
        )
        let s4pRatio = s4[2].median / s4[1].median
        rows.append(
            row(
                "S4p",
                "groupLoader.loadMany(1000 keys × 10 rows), SQLiteRowDecodable",
                s4[2],
                result: String(format: "%.2f× raw", s4pRatio),
                target: "≤ 1.15× raw C",
                pass: s4pRatio <= 1.15,
                values: ["ratio_raw": s4pRatio]
            )
        )

        // S7–S9: top N, count and many-to-many against C of the same SQL.
        rows += try await shapeRows(parents: parents, raw: raw)

        // SC: composite keys (CompositeBenchmarks.swift).
        rows += try await compositeKeyRows(keys: keys)

        // S5: read throughput with one and two readers.
        rows.append(try await readerScaling(keys: keys))

        // S6: the statement cache stays bounded.
        rows.append(try await statementCache(rowCount: rowCount))
        return rows
    }

    private func readerScaling(keys: [Int64]) async throws -> Row {
        let contexts = plan.quick ? 50 : 400
        var timings: [Timing] = []
        for readers in [1, 2] {
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: readers, isQueryLogEnabled: false))
            let items = db.loader(Item.self, table: "items", key: "id", keyType: Int64.self)
            timings.append(
                try await measure(plan.quick ? plan : Plan(warmups: 2, runs: 9, quick: false)) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for request in 0..<contexts {
                            group.addTask {
                                let start = (request * 97) % (keys.count - 100)
                                _ = try await withBatchContext { try await items.loadAll(keys[start..<start + 100]) }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
            )
            await db.close()
        }
        let speedup = timings[0].median / timings[1].median
        return row(
            "S5",
            "\(contexts) contexts × loadMany(100): 2 readers vs 1",
            timings[1],
            result: String(format: "%.2f× one reader's throughput", speedup),
            target: "≥ 1.7×",
            pass: speedup >= 1.7,
            values: ["speedup": speedup, "one_reader_s": timings[0].median]
        )
    }

    private func statementCache(rowCount: Int) async throws -> Row {
        let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1, isQueryLogEnabled: false))
        let items = db.loader(Item.self, table: "items", key: "id", keyType: Int64.self)
        var counts: [Int] = []
        for size in [1, 10, 100, 1000, 5000] {
            let keys = (1...size).map { Int64($0 * (rowCount / 5000)) }
            _ = try await withBatchContext { try await items.loadAll(keys) }
            counts.append(await db.preparedStatementCount)
        }
        await db.close()
        let constant = Set(counts).count == 1
        return row(
            "S6",
            "prepared statements after loads of 1…5000 keys",
            nil,
            result: counts.map(String.init).joined(separator: ", "),
            target: "constant",
            pass: constant
        )
    }
}
