import Foundation
import GBatchy
import GBatchyPostgres
import PostgresNIO
import Testing

/// A statement whose every waiter is cancelled is cancelled on the server, and its connection serves again.
@Suite("PostgreSQL abandoned statements", .timeLimit(.minutes(1)), .whenPostgresIsAvailable)
struct PostgresCancellationTests {
    @Test("cancelling every caller cancels the statement on the server; the next load works")
    func cancelledCallersCancelTheStatement() async throws {
        try await withBlogSource { pg, endpoint, database in
            let slow = pg.loader(Author.self, table: "authors", key: "id", where: "pg_sleep(5) IS NOT NULL")
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let started = AsyncStream<Void>.makeStream()
            let probe = Loader<Int, Int>(name: "probe") { keys in
                started.continuation.yield()
                return keys
            }
            let outcome = Locked<(any Error)?>(nil)
            await withBatchContext {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let error = await capture { _ = try await slow.load(1) }
                        outcome.withLock { $0 = error }
                    }
                    group.addTask { _ = try? await probe.load(1) }
                    var events = started.stream.makeAsyncIterator()
                    _ = await events.next()
                    group.cancelAll()
                }
            }
            #expect(outcome.withLock { $0 } is CancellationError)
            let sleeping = try endpoint.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND query LIKE '%pg_sleep%'"
                    + " AND state = 'active' AND pid <> pg_backend_pid()"
            )
            #expect(sleeping.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
            // The statement was cancelled on the server, or never sent when the batch was abandoned first.
            if let statement = pg.queryLog.entries.first(where: { $0.sql.contains("pg_sleep") }) {
                #expect((statement.error as? PostgresSourceError)?.code == .cancelled)
                #expect((statement.error as? PostgresSourceError)?.sqlState == "57014")
            }
            #expect(try await withBatchContext { try await authors.load(2) }?.name == "Grace Hopper")
        }
    }
}
