import GBatchy
import Testing

/// The README's core examples, verbatim inside the test bodies.
@Suite("README examples (core)", .timeLimit(.minutes(1)))
struct ReadmeExampleTests {
    @Test("quick start: four loads, one batch of three keys")
    func quickStart() async throws {
        let batches = BatchLog<Int>()
        struct User: Sendable { let id: Int; let name: String }

        let users = Loader<Int, User>(name: "users") { (ids: [Int]) in
            batches.record(ids)  // the README prints: one batch: [1, 2, 3]
            return ids.map { User(id: $0, name: "user \($0)") }
        }

        let names = try await withBatchContext {
            try await pmap([1, 2, 3, 1]) { try await users.load($0).name }
        }
        #expect(names == ["user 1", "user 2", "user 3", "user 1"])
        #expect(batches.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("statistics: one tick, one batch of two keys")
    func statistics() async throws {
        let (users, _) = recordingLoader("users")
        let stats = try await withBatchContext {
            async let a = users.load(1)
            async let b = users.load(2)
            _ = try await (a, b)
            return BatchContext.current!.statistics
        }
        assert(stats.ticks == 1 && stats["users"].batchSizes == [2])
        #expect(stats.ticks == 1 && stats["users"].batchSizes == [2])
    }
}
