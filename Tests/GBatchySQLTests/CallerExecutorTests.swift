import Dispatch
import Foundation
import GBatchy
import GBatchySQL
import Testing

extension QueueActor {
    /// Jobs enqueued on this actor while it loads keys that are already cached in the current context.
    func jobsDuringCachedLoads(
        _ authors: TableLoader<Int, Author>,
        _ postsByAuthor: GroupLoader<Int, Post>
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
            let actor = QueueActor()
            let hops = try await withBatchContext {
                _ = try await authors.load(1)
                _ = try await postsByAuthor.load(1)
                return try await actor.jobsDuringCachedLoads(authors, postsByAuthor)
            }
            #expect(hops == 0)
        }
    }
}
