import GBatchy
import Testing

@Suite("Cancellation", .timeLimit(.minutes(1)))
struct CancellationTests {
    /// A loader whose batch function reports that it started, then waits for `release`.
    struct BlockingLoader {
        let loader: Loader<Int, Int>
        let started = Gate()
        let release = Gate()
        let log = BatchLog<Int>()

        init() {
            let (started, release, log) = (started, release, log)
            loader = Loader<Int, Int>(name: "blocking") { keys in
                log.record(keys)
                started.open()
                await release.wait()
                return keys.map { $0 * 10 }
            }
        }
    }

    @Test("cancelling a task waiting on a running batch throws promptly; the others get their values")
    func cancelWhileDispatching() async throws {
        let blocking = BlockingLoader()
        let stats = try await withBatchContext {
            let first = spawn { try await blocking.loader.load(1) }
            let second = spawn { try await blocking.loader.load(2) }
            let sameKey = spawn { try await blocking.loader.load(1) }
            await blocking.started.wait()
            first.cancel()
            // The batch is still blocked, so this answer can only come from the cancellation.
            await #expect(throws: CancellationError.self) { try await first.value }
            blocking.release.open()
            let values = try await [second.value, sameKey.value]
            #expect(values == [20, 10])
            return BatchContext.current!.statistics
        }
        #expect(blocking.log.all.map(batchOrder) == [[1, 2]].map(batchOrder))
        #expect(stats.waitersSuspended == 3)
        #expect(stats.waitersResumed == 3)
    }

    @Test("cancelling a task whose key is queued but not dispatched yet")
    func cancelWhileQueued() async throws {
        let (loader, log) = recordingLoader()
        let stats = try await withBatchContext {
            let first = spawn { try await loader.load(1) }
            let second = spawn { try await loader.load(2) }
            // Tasks of a context run in order: this one runs after both loads are queued, before the tick.
            let canceller = spawn { first.cancel() }
            try await canceller.value
            await #expect(throws: CancellationError.self) { try await first.value }
            let value = try await second.value
            #expect(value == 20)
            return BatchContext.current!.statistics
        }
        #expect(log.all.map(batchOrder) == [[1, 2]].map(batchOrder))
        #expect(stats.waitersSuspended == stats.waitersResumed)
    }

    @Test("a task cancelled before it loads throws without queuing its key")
    func cancelledBeforeLoad() async throws {
        let (loader, log) = recordingLoader()
        await withBatchContext {
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await loader.load(1)
            }
            await #expect(throws: CancellationError.self) { try await task.value }
        }
        #expect(log.all.isEmpty)
    }

    @Test("a cancelled loadMany answers CancellationError for the keys not ready, and leaks nothing")
    func cancelLoadMany() async throws {
        let blocking = BlockingLoader()
        let stats = try await withBatchContext {
            blocking.loader.prime(7, 70)
            let task = spawn { await blocking.loader.loadMany([7, 1, 2]) }
            await blocking.started.wait()
            task.cancel()
            let results = try await task.value
            #expect(try results[0].get() == 70)
            #expect(throws: CancellationError.self) { try results[1].get() }
            #expect(throws: CancellationError.self) { try results[2].get() }
            blocking.release.open()
            let later = try await blocking.loader.loadAll([1, 2])
            #expect(later == [10, 20])
            return BatchContext.current!.statistics
        }
        #expect(stats.waitersSuspended == stats.waitersResumed)
    }

    @Test("a cancelled wait on a mapped future throws; the source future still resolves")
    func cancelMappedFuture() async throws {
        let blocking = BlockingLoader()
        try await withBatchContext {
            let source = blocking.loader.future(3)
            let mapped = source.map { $0 + 1 }
            let waiter = spawn { try await mapped.value }
            await blocking.started.wait()
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            // The spawned task suspended on the mapped future, and its cancellation resumed it.
            let afterCancel = BatchContext.current!.statistics
            #expect(afterCancel.waitersSuspended == 1)
            #expect(afterCancel.waitersResumed == 1)
            blocking.release.open()
            let values = try await (source.value, mapped.value)
            #expect(values == (30, 31))
            #expect(BatchContext.current!.statistics.waiting == 0)
        }
    }

    @Test("cancelling the whole context's task cancels its waiters; the batch itself completes")
    func cancelWholeContext() async throws {
        let blocking = BlockingLoader()
        let request = Task {
            try await withBatchContext {
                try await pmap([1, 2, 3]) { try await blocking.loader.load($0) }
            }
        }
        await blocking.started.wait()
        request.cancel()
        await #expect(throws: CancellationError.self) { try await request.value }
        blocking.release.open()
        #expect(blocking.log.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("many waiters cancelled at random leave no continuation behind", arguments: [1, 2, 3])
    func cancellationStorm(seed: UInt64) async throws {
        var generator = SplitMix64(seed: seed)
        let blocking = BlockingLoader()
        let cancelled = (0..<200).map { _ in Bool.random(using: &generator) }
        let stats = await withBatchContext {
            let tasks = (0..<200).map { i in spawn { try await blocking.loader.load(i % 50) } }
            await blocking.started.wait()
            for (task, cancel) in zip(tasks, cancelled) where cancel { task.cancel() }
            blocking.release.open()
            for (i, (task, cancel)) in zip(tasks, cancelled).enumerated() {
                let result = await task.result
                if cancel {
                    #expect(throws: CancellationError.self) { try result.get() }
                } else {
                    #expect((try? result.get()) == (i % 50) * 10)
                }
            }
            return BatchContext.current!.statistics
        }
        #expect(stats.waitersSuspended == 200)
        #expect(stats.waitersResumed == 200)
        #expect(blocking.log.all.map(batchOrder) == [Array(0..<50)])
    }
}

/// A small seeded generator, so that failures replay.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
