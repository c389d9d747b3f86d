import Dispatch
import Foundation
import GBatchy
import GBatchySQL
import Testing

/// A serial executor on a dispatch queue that counts the jobs it is given.
private final class CountingExecutor: SerialExecutor {
    let queue = DispatchQueue(label: "gbatchy.sql-tests.counting-executor")
    let jobs = TestCounter()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.increment()
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// A thread-safe counter.
final class TestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// An actor on a counting executor: each hop onto it is one job.
private actor CountedActor {
    let executor = CountingExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Jobs enqueued on this actor while it loads keys that are already cached in the current context.
    func jobsDuringCachedLoads(
        _ authors: TableLoader<Int, Author>, _ postsByAuthor: GroupLoader<Int, Post>
    ) async throws -> Int {
        let before = executor.jobs.value
        _ = try await authors.load(1)
        _ = try await authors.loadRequired(1)
        _ = try await authors.loadAll([1])
        _ = await authors.loadMany([1])
        _ = try await postsByAuthor.load(1)
        _ = try await postsByAuthor.loadAll([1])
        _ = await postsByAuthor.loadMany([1])
        return executor.jobs.value - before
    }
}

/// The table loaders' methods run on their caller's executor (`nonisolated(nonsending)`), like the core's: a load
/// answered from the cache costs an actor no executor hop (issue #10).
@Suite("Table loaders run on their caller's executor", .timeLimit(.minutes(1)))
struct CallerExecutorTests {
    @Test("a cached load from an actor enqueues no job on it")
    func cachedLoadsStayOnTheCallersActor() async throws {
        try await withFixtureDatabase("blog") { db in
            let authors = db.loader(Author.self, table: "authors", key: "id")
            let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let actor = CountedActor()
            let hops = try await withBatchContext {
                _ = try await authors.load(1)
                _ = try await postsByAuthor.load(1)
                return try await actor.jobsDuringCachedLoads(authors, postsByAuthor)
            }
            #expect(hops == 0)
        }
    }
}
