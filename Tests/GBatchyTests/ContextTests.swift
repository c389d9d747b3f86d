import GBatchy
import Testing

/// Loads from every kind of caller: the pitfalls of the prototype (design notes 1, 3 and 5).
actor AccountService {
    let loader: Loader<Int, Int>
    var loaded: [Int] = []

    init(loader: Loader<Int, Int>) {
        self.loader = loader
    }

    func loadTwo() async throws -> [Int] {
        let values = try await withBatchContext {
            async let a = loader.load(1)
            async let b = loader.load(2)
            return try await [a, b]
        }
        loaded += values
        return values
    }

    func loadOne(_ key: Int) async throws -> Int {
        let value = try await loader.load(key)
        // The wait suspended inside GBatchy's cancellation handler; the method must resume on this actor.
        assertIsolated("a load resumed off its caller's actor")
        return value
    }
}

@MainActor
func loadOnMainActor(_ loader: Loader<Int, Int>) async throws -> Int {
    try await withBatchContext { try await loader.load(7) }
}

func loadNonisolated(_ loader: Loader<Int, Int>) async throws -> Int {
    try await withBatchContext { try await loader.load(8) }
}

@Suite("BatchContext", .timeLimit(.minutes(1)))
struct ContextTests {
    @Test("withBatchContext works from an actor, from @MainActor and from a nonisolated function")
    func callableFromAnyIsolation() async throws {
        let (loader, log) = recordingLoader()
        let service = AccountService(loader: loader)
        #expect(try await service.loadTwo() == [10, 20])
        #expect(try await loadOnMainActor(loader) == 70)
        #expect(try await loadNonisolated(loader) == 80)
        #expect(log.all.map(batchOrder) == [[1, 2], [7], [8]].map(batchOrder))
    }

    @MainActor
    @Test("a body on the main actor that touches main-actor state still dispatches")
    func mainActorBody() async throws {
        let (loader, log) = recordingLoader()
        var seen: [Int] = []
        try await withBatchContext {
            seen.append(try await loader.load(1))
            MainActor.assertIsolated("a load resumed off the main actor")
            let future = loader.future(2)
            seen.append(try await future.value)
            MainActor.assertIsolated("a future resumed off the main actor")
        }
        #expect(seen == [10, 20])
        #expect(log.all.map(batchOrder) == [[1], [2]].map(batchOrder))
    }

    @Test("an actor method called inside a context loads in that context")
    func actorMethodInsideContext() async throws {
        let (loader, log) = recordingLoader()
        let service = AccountService(loader: loader)
        let stats = try await withBatchContext {
            async let a = service.loadOne(1)
            async let b = service.loadOne(1)
            _ = try await (a, b)
            return BatchContext.current!.statistics
        }
        #expect(log.all.map(batchOrder) == [[1]].map(batchOrder))
        #expect(stats["tens"].loads == 2)
    }

    @Test("an unstructured Task inside a context joins it; a detached task does not")
    func unstructuredTasks() async throws {
        let (loader, _) = recordingLoader()
        let stats = try await withBatchContext {
            let context = BatchContext.current
            let joined = Task { (BatchContext.current === context, try await loader.load(1)) }
            let detached = Task.detached { (BatchContext.current == nil, try await loader.load(2)) }
            let (joinedSame, one) = try await joined.value
            let (detachedAlone, two) = try await detached.value
            #expect(joinedSame && detachedAlone)
            #expect([one, two] == [10, 20])
            return BatchContext.current!.statistics
        }
        #expect(stats["tens"].loads == 1)
    }

    @Test("a nested withBatchContext joins the current context")
    func nestedJoins() async throws {
        let (loader, log) = recordingLoader()
        try await withBatchContext {
            let outer = BatchContext.current
            async let a = withBatchContext { () async throws -> Int in
                #expect(BatchContext.current === outer)
                return try await loader.load(1)
            }
            async let b = loader.load(2)
            _ = try await (a, b)
        }
        #expect(log.all.map(batchOrder) == [[1, 2]].map(batchOrder))
    }

    @Test("one loader shared by concurrent contexts keeps a queue and a cache per context")
    func sharedAcrossContexts() async throws {
        let log = BatchLog<String>()
        // The value names the context that loaded it, so a value crossing contexts would show.
        let loader = Loader<Int, String>(name: "shared") { keys in
            let context = ObjectIdentifier(BatchContext.current!)
            log.record(keys.map { "\(context):\($0)" })
            return keys.map { "\(context):\($0)" }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<50 {
                group.addTask {
                    try await withBatchContext {
                        let me = "\(ObjectIdentifier(BatchContext.current!))"
                        let keys = [request, request + 1, 1000]
                        let values = try await pmap(keys) { try await loader.load($0) }
                        #expect(values == keys.map { "\(me):\($0)" })
                        let cached = try await loader.load(1000)
                        #expect(cached == "\(me):1000")
                        let stats = BatchContext.current!.statistics
                        #expect(stats["shared"].batchSizes == [3])
                        #expect(stats["shared"].cacheHits == 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let batches = log.all
        #expect(batches.count == 50)
        for batch in batches {
            // Every key of a batch comes from one context.
            #expect(Set(batch.map { $0.split(separator: ":")[0] }).count == 1)
        }
    }

    @Test("holdingDispatch keeps loads around an outside await in one batch")
    func holdingDispatch() async throws {
        let (loader, log) = recordingLoader()
        let outside = AccountService(loader: loader)
        try await withBatchContext {
            let values = try await BatchContext.holdingDispatch {
                let first = loader.future(1)
                _ = await outside.loaded  // an await outside the context: dispatch stays held
                let second = loader.future(2)
                return try await pget([first, second])
            }
            #expect(values == [10, 20])
        }
        #expect(log.all.map(batchOrder) == [[1, 2]].map(batchOrder))
    }

    @Test("without holdingDispatch an outside await does not hold dispatch back")
    func outsideAwaitDoesNotHold() async throws {
        let (loader, log) = recordingLoader()
        let gate = Gate()
        try await withBatchContext {
            let waiting = spawn { try await loader.load(1) }
            // This task waits on something outside the context; the load above is still dispatched.
            let opener = spawn {
                _ = try await waiting.value
                gate.open()
            }
            await gate.wait()
            try await opener.value
        }
        #expect(log.all.map(batchOrder) == [[1]].map(batchOrder))
    }

    @Test("holdingDispatch outside any context just runs its body")
    func holdingDispatchOutside() async throws {
        let value = await BatchContext.holdingDispatch { 5 }
        #expect(value == 5)
    }

    @Test("statistics count ticks, batches, keys, cache hits and waiters exactly")
    func statistics() async throws {
        let (users, _) = recordingLoader("users")
        let (posts, _) = recordingLoader("posts", maxBatchSize: 2)
        let stats = try await withBatchContext {
            async let a = users.load(1)
            async let b = users.load(1)
            async let c = posts.load(1)
            async let d = posts.load(2)
            async let e = posts.load(3)
            _ = try await (a, b, c, d, e)
            _ = try await users.load(1)
            _ = await posts.loadMany([3, 4])
            return BatchContext.current!.statistics
        }
        #expect(stats.ticks == 2)
        #expect(stats["users"] == LoaderStatistics(loads: 3, cacheHits: 2, batchSizes: [1]))
        #expect(stats["posts"] == LoaderStatistics(loads: 5, cacheHits: 1, batchSizes: [2, 1, 1]))
        #expect(stats.batches == 4)
        #expect(stats.loads == 8)
        #expect(stats.cacheHits == 3)
        #expect(stats.waitersSuspended == stats.waitersResumed)
        #expect(stats.waiting == 0)
        #expect(stats["unknown"] == LoaderStatistics())
    }

    @Test("waits on mapped and flat-mapped futures count as waiters, exactly")
    func statisticsCountWaitsOnDerivedFutures() async throws {
        let (users, _) = recordingLoader("users")
        let stats = try await withBatchContext {
            // Each await suspends: nothing of the batch runs until the only task of the context waits.
            let doubled = try await users.future(1).map { $0 * 2 }.value
            let chained = try await users.future(2).flatMap { users.future($0) }.value
            let mappedTwice = try await users.future(3).map { $0 + 1 }.map { $0 * 2 }.value
            // A failing transform: the wait counts too.
            await #expect(throws: TestError.self) {
                try await users.future(4).map { _ -> Int in throw TestError(id: 4) }.value
            }
            #expect([doubled, chained, mappedTwice] == [20, 200, 62])
            return BatchContext.current!.statistics
        }
        #expect(stats.waitersSuspended == 4)
        #expect(stats.waitersResumed == 4)
        #expect(stats["users"].batchSizes == [1, 1, 1, 1, 1])
    }

    @Test("a spawned task's wait on its batch counts once; awaiting its BatchTask does not count")
    func statisticsCountWaitsInsideSpawnedTasks() async throws {
        let (users, _) = recordingLoader("users")
        let stats = try await withBatchContext {
            // The spawned task suspends on its batch: the batch runs only once every task of the context waits.
            let loading = spawn { try await users.load(1) }
            let computing = spawn { 42 }
            let values = try await [loading.value, computing.value]
            #expect(values == [10, 42])
            #expect(try await loading.result.get() == 10)
            return BatchContext.current!.statistics
        }
        #expect(stats.waitersSuspended == 1)
        #expect(stats.waitersResumed == 1)
        #expect(stats["users"].batchSizes == [1])
    }
}
