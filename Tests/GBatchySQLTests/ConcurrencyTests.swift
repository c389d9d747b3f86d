import Foundation
import GBatchySQL
import Synchronization
import Testing

@Suite("Threads, snapshots, cancellation and closing", .timeLimit(.minutes(1)))
struct ConcurrencyTests {
    @Test func snapshotReadsSeeTheSameDataWhileAWriteCommitsInBetween() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users(id, name) VALUES (1, 'Ann')")

            let (before, during, outside) = try await db.withReadSnapshot {
                let before = try await count("users", in: db)
                try await db.execute("INSERT INTO users(id, name) VALUES (2, 'Bob')")
                // Outside the snapshot (a detached task has no task-local), the new row is visible.
                let outside = try await Task.detached { try await count("users", in: db) }.value
                let during = try await db.read { conn in
                    try conn.query("SELECT count(*) FROM users", as: Int.self)[0]
                }
                // Child tasks share the pinned connection and its snapshot.
                let children = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 { group.addTask { try await count("users", in: db) } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(children == [1, 1, 1, 1])
                return (before, during, outside)
            }
            #expect(before == 1)
            #expect(during == 1)
            #expect(outside == 2)
            #expect(try await count("users", in: db) == 2)
        }
    }

    @Test func snapshotReleasesItsConnectionWhenTheBodyThrows() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute(usersSchema)
            let error = await capture {
                try await db.withReadSnapshot {
                    _ = try await count("users", in: db)
                    throw TestFailure()
                }
            }
            #expect(error is TestFailure)
            try await db.execute("INSERT INTO users(id, name) VALUES (1, 'Ann')")
            // The only reader is back in the pool, with no transaction left open: it sees the new row.
            #expect(try await count("users", in: db) == 1)
        }
    }

    @Test func manyConcurrentReadsOnTwoReaders() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, _ in
            try await db.execute(usersSchema)
            try await db.write { conn in
                for id in 1...100 { try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [id, "u\(id)"]) }
            }
            db.queryLog.clear()
            let results = try await withThrowingTaskGroup(of: [User].self) { group in
                for id in 0..<200 {
                    group.addTask {
                        try await db.query(
                            "SELECT id, name FROM users WHERE id > ? ORDER BY id",
                            [id % 100],
                            as: User.self
                        )
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1.count }
            }
            #expect(results == (0..<200).reduce(0) { $0 + (100 - $1 % 100) })
            let entries = db.queryLog.entries
            #expect(entries.count == 200)
            #expect(entries.allSatisfy { $0.role == .reader && $0.succeeded })
        }
    }

    @Test func jobCancelledWhileQueuedNeverRuns() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute("CREATE TABLE t(x)")
            let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            let blocker = Task {
                try await db.write { _ in
                    enteredContinuation.yield()
                    release.wait()  // holds the writer thread so the next job stays queued
                }
            }
            for await _ in entered { break }

            let queued = Task { try await db.execute("INSERT INTO t VALUES (1)") }
            queued.cancel()
            let error = await capture { try await queued.value }
            #expect(error is CancellationError)
            release.signal()
            try await blocker.value
            #expect(try await count("t", in: db) == 0)
        }
    }

    @Test func runningJobCompletesDespiteCancellation() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute("CREATE TABLE t(x)")
            let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            let running = Task {
                try await db.write { conn in
                    enteredContinuation.yield()
                    release.wait()
                    try conn.execute("INSERT INTO t VALUES (1)")
                }
            }
            for await _ in entered { break }
            running.cancel()
            release.signal()
            try await running.value
            #expect(try await count("t", in: db) == 1)
        }
    }

    @Test func closeThenUseThrowsAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("closed.sqlite").path
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2))
            try await db.execute("CREATE TABLE t(x)")
            // Queued work finishes before the connections close.
            async let pending: Void = db.execute("INSERT INTO t VALUES (1)")
            try await pending
            await db.close()
            await db.close()  // idempotent

            for attempt in 0..<3 {
                let error = await capture {
                    switch attempt {
                    case 0: _ = try await db.query("SELECT x FROM t", as: Int.self)
                    case 1: try await db.execute("INSERT INTO t VALUES (2)")
                    default: try await db.write { _ in }
                    }
                }
                let sqliteError = try #require(error as? SQLiteSourceError)
                #expect(sqliteError.resultCode == .misuse)
                #expect(sqliteError.description.contains("the database is closed"))
                #expect(sqliteError.path == path)
            }
            // Everything was committed and checkpointed: a new database sees the row, without a leftover WAL.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            let reopened = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            #expect(try await reopened.query("SELECT x FROM t", as: Int.self) == [1])
            await reopened.close()
        }
    }

    @Test func databaseReleasedWithoutCloseShutsDownItsThreads() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("deinit.sqlite").path
            do {
                let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
                try await db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
            }
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            #expect(try await db.query("SELECT x FROM t", as: Int.self) == [1])
            await db.close()
        }
    }
}
