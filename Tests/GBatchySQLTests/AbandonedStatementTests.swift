import Foundation
import GBatchy
import GBatchySQL
import Testing

/// A statement whose every waiter is cancelled stops (SQLite's progress handler), instead of running to its end.
@Suite("Abandoned statements (SQLite)", .timeLimit(.minutes(1)))
struct AbandonedStatementTests {
    /// A filter that costs seconds: a recursive count to 50 million (14 s on this machine), evaluated once per statement.
    static let slowFilter =
        "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT count(*) FROM c) > 0"

    @Test("cancelling every caller stops the running statement; the reader serves the next query at once")
    func cancelledCallersStopTheStatement() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users (id, name) VALUES (1, 'Ann')")
            let slow = db.loader(User.self, table: "users", key: "id", where: Self.slowFilter)
            let started = AsyncStream<Void>.makeStream()
            // A batch of the same tick tells when the tick has started: the slow statement is then running (or about
            // to), and its only caller is cancelled.
            let probe = Loader<Int, Int>(name: "probe") { keys in
                started.continuation.yield()
                return keys
            }
            let outcome = Locked<Result<User?, any Error>?>(nil)
            await withBatchContext {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            let user = try await slow.load(1)
                            outcome.withLock { $0 = .success(user) }
                        } catch {
                            outcome.withLock { $0 = .failure(error) }
                        }
                    }
                    group.addTask { _ = try? await probe.load(1) }
                    var events = started.stream.makeAsyncIterator()
                    _ = await events.next()
                    group.cancelAll()
                }
            }
            #expect(throws: CancellationError.self) { try outcome.withLock { $0 }?.get() }
            // The statement stopped (SQLITE_INTERRUPT), or never started when the batch was abandoned first; it never
            // ran to its end (14 s here). The context waited for its batches, and the single reader answers.
            #expect(try await db.query("SELECT count(*) FROM users", as: Int.self) == [1])
            let stopped = db.queryLog.entries.filter { $0.sql.contains("WITH RECURSIVE") }
            #expect(stopped.allSatisfy { !$0.succeeded })
        }
    }

    @Test("a caller that is not cancelled keeps its statement, even when another caller of the batch is")
    func oneCallerLeftKeepsTheStatement() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users (id, name) VALUES (1, 'Ann'), (2, 'Bob')")
            let users = db.loader(User.self, table: "users", key: "id", where: "(SELECT count(*) FROM users) > 0")
            let started = AsyncStream<Void>.makeStream()
            let probe = Loader<Int, Int>(name: "probe") { keys in
                started.continuation.yield()
                return keys
            }
            let staying = Locked<String?>(nil)
            await withBatchContext {
                await withTaskGroup(of: Void.self) { outer in
                    outer.addTask {
                        let name = try? await users.load(2)?.name
                        staying.withLock { $0 = name }
                    }
                    await withTaskGroup(of: Void.self) { leaving in
                        leaving.addTask { _ = try? await users.load(1) }
                        leaving.addTask { _ = try? await probe.load(1) }
                        var events = started.stream.makeAsyncIterator()
                        _ = await events.next()
                        leaving.cancelAll()
                    }
                }
            }
            #expect(staying.withLock { $0 } == "Bob")
        }
    }
}
