import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #9: registering a table loader costs the same with 20,000 loaders on the table as with none, and a write
/// still clears every live loader of the table it wrote.
@Suite("Loader registry", .timeLimit(.minutes(1)))
struct LoaderRegistryTests {
    struct Note: Decodable, Sendable, Equatable {
        let id: Int
        let body: String
    }

    /// Registering was quadratic (each registration swept the table's every entry): 20,000 loaders took 56 times
    /// as long as 2,500. Linear registration makes 10 times the loaders cost about 10 times as long; the bound is
    /// 30 times, with the shorter run taken as the fastest of three. The work is also counted, which no load on the
    /// machine changes: sweeps look at fewer than two entries per registration.
    @Test func registeringTwentyThousandLoadersIsLinear() async throws {
        try await withTemporaryDatabase { db, _ in
            let clock = ContinuousClock()
            func register(_ count: Int, on table: String) -> Duration {
                var loaders: [TableLoader<Int, Note>] = []
                loaders.reserveCapacity(count)
                let elapsed = clock.measure {
                    for _ in 0..<count { loaders.append(db.loader(Note.self, table: table, key: "id")) }
                }
                #expect(loaders.count == count && db.tableLoaders.registry.entryCount(of: table) == count)
                return elapsed
            }
            let sweptBefore = db.tableLoaders.registry.sweptEntries
            // Timings share the machine with the other tests (and a sanitizer's slowdown): a ratio over the bound is
            // measured again, up to three times. Quadratic registration misses it by far (about 90 times) every time.
            var ratios: [Double] = []
            for attempt in 0..<3 {
                let small = (0..<3).map { register(2_000, on: "small\(attempt).\($0)") }.min() ?? .zero
                let large = register(20_000, on: "large\(attempt)")
                ratios.append(large / small)
                if large < small * 30 { break }
            }
            #expect(ratios.contains { $0 < 30 }, "20,000 loaders took \(ratios) times as long as 2,000")
            let swept = db.tableLoaders.registry.sweptEntries - sweptBefore
            let count = 26_000 * ratios.count
            #expect(swept < 2 * count, "\(swept) entries swept for \(count) registrations")
        }
    }

    /// Released loaders leave the registry as others register, and a write inside a context still clears the
    /// cache of every live loader of the table: 300 live loaders among 3,000 registered all see the new row.
    @Test func aWriteClearsEveryLiveLoaderOfTheTable() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes VALUES (1, 'old')"
            )
            var live: [TableLoader<Int, Note>] = []
            for index in 0..<3_000 {
                let loader = db.loader(Note.self, table: index.isMultiple(of: 2) ? "notes" : "NOTES", key: "id")
                if index.isMultiple(of: 10) { live.append(loader) }  // the others are released at once
            }
            let entries = db.tableLoaders.registry.entryCount(of: "notes")
            #expect(entries <= 2 * live.count + 16, "\(entries) entries for \(live.count) live loaders")
            let other = db.loader(Note.self, table: "others", key: "id")
            #expect(db.tableLoaders.registry.loaders(of: ["Notes"]).count == live.count)
            try await withBatchContext { [live] () async throws in
                let before = try await pmap(live) { try await $0.load(1) }
                #expect(before == Array(repeating: Note(id: 1, body: "old"), count: live.count))
                try await db.write { conn in try conn.execute("UPDATE notes SET body = 'new' WHERE id = 1") }
                let after = try await pmap(live) { try await $0.load(1) }
                #expect(after == Array(repeating: Note(id: 1, body: "new"), count: live.count))
                #expect(currentStatistics["notes.id"].batchSizes.count == 2 * live.count)
            }
            #expect(db.tableLoaders.registry.loaders(of: ["others"]).count == 1)
            _ = other
        }
    }
}
