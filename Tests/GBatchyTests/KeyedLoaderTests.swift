import GBatchy
import Testing

/// The doc comment example of `KeyedLoader`, and the typed front's semantics: the core loader's batches and cache,
/// keyed by the loader key.
@Suite("KeyedLoader", .timeLimit(.minutes(1)))
struct KeyedLoaderTests {
    struct UserID: Sendable { let raw: Int }

    /// A typed front that records the batches its core loader receives.
    final class UsersByID: KeyedLoader {
        let batches = Locked<[[Int]]>([])
        let loader: Loader<Int, String>

        init() {
            let batches = self.batches
            loader = Loader<Int, String>(name: "users") { ids in
                batches.withLock { $0.append(ids) }
                return ids.map { "user \($0)" }
            }
        }

        func loaderKey(_ key: UserID) -> Int { key.raw }
    }

    @Test("the doc comment example loads through the typed front")
    func docExample() async throws {
        let users = UsersByID()
        let name = try await withBatchContext { try await users.load(UserID(raw: 7)) }
        #expect(name == "user 7")
    }

    @Test("every method of the front batches, caches and clears by the loader key")
    func semantics() async throws {
        let users = UsersByID()
        // Serial, whatever GBATCHY_EXECUTION says: the test compares the order of keys in a batch, which a parallel
        // context does not keep.
        try await withBatchContext(.serial) { () async throws in
            async let a = users.load(UserID(raw: 1))
            async let b = users.loadAll([UserID(raw: 2), UserID(raw: 1)])
            let future = users.future(UserID(raw: 3))
            let results = await users.loadMany([UserID(raw: 3), UserID(raw: 4)])
            #expect(try await a == "user 1")
            #expect(try await b == ["user 2", "user 1"])
            #expect(try await future.value == "user 3")
            #expect(results.map { try? $0.get() } == ["user 3", "user 4"])
            users.prime(UserID(raw: 5), "primed")
            #expect(try await users.load(UserID(raw: 5)) == "primed")
            users.clear(UserID(raw: 1))
            #expect(try await users.load(UserID(raw: 1)) == "user 1")
            users.clearAll()
            #expect(try await users.loadAll([UserID(raw: 2), UserID(raw: 5)]) == ["user 2", "user 5"])
        }
        // The body queues its keys before its child tasks run.
        #expect(users.batches.withLock { $0 } == [[3, 4, 1, 2], [1], [2, 5]])
    }
}
