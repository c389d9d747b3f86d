import Foundation
import GBatchySQL
import Testing

@Suite("Busy and full databases", .timeLimit(.minutes(1)))
struct BusyAndFullTests {
    @Test func writeFailsWithBusyWhileAnotherDatabaseHoldsTheWriteLock() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1, busyTimeout: .milliseconds(100))) {
            db,
            path in
            try await db.execute(usersSchema)
            let other = try SQLiteSource(path: path, configuration: .init(readerCount: 1))

            // `other` enters BEGIN IMMEDIATE and then blocks its own writer thread until the test releases it.
            let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            let holder = Task {
                try await other.write { conn in
                    try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [100, "Holder"])
                    enteredContinuation.yield()
                    release.wait()  // blocks the other database's writer thread, not the cooperative pool
                }
            }
            for await _ in entered { break }

            let start = ContinuousClock.now
            var sawBusy = false
            do {
                try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"]) }
            } catch SQLiteSourceError.busy {
                sawBusy = true
            }
            #expect(sawBusy)
            #expect(ContinuousClock.now - start >= .milliseconds(90))

            release.signal()
            try await holder.value
            try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"]) }
            #expect(try await db.query("SELECT id FROM users ORDER BY id", as: Int.self) == [1, 100])
            await other.close()
        }
    }

    @Test func diskFullFailsWithFullAndWritesNothing() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute("CREATE TABLE blobs(id INTEGER PRIMARY KEY, payload BLOB)")
            try await db.execute("INSERT INTO blobs(payload) VALUES (zeroblob(1000))")
            let pageCount = try await db.query("PRAGMA page_count", as: Int.self)[0]
            try await db.execute("PRAGMA max_page_count = \(pageCount + 4)")

            do {
                try await db.write { conn in
                    for _ in 0..<20 {
                        try conn.execute("INSERT INTO blobs(payload) VALUES (?)", [Data(repeating: 7, count: 4000)])
                    }
                }
                Issue.record("the write must fail")
            } catch SQLiteSourceError.full {
            }
            #expect(try await count("blobs", in: db) == 1)
            #expect(try await db.query("PRAGMA integrity_check", as: String.self) == ["ok"])
            // Small writes still fit.
            try await db.execute("INSERT INTO blobs(payload) VALUES (x'01')")
            #expect(try await count("blobs", in: db) == 2)
        }
    }
}
