import GBatchy
import Testing

/// Ticks are rounds: the loads that follow from a tick's batches go out together, whatever the order in which those
/// batches finish (issue #9).
@Suite("Ticks are rounds", .timeLimit(.minutes(1)))
struct RoundTests {
    /// Waits a random few microseconds, like I/O of varying length. Not a wait for a batch to form: it runs inside
    /// batch functions, so that the batches of one tick finish in a random order.
    static func io(_ generator: inout SplitMix64) async throws {
        try await Task.sleep(for: .microseconds(Int(generator.next() % 300)))
    }

    @Test("two batch functions that finish at random moments: their waiters' loads make one batch, every run")
    func followUpLoadsMakeOneBatch() async throws {
        let (shared, log) = recordingLoader("shared")
        let seeds = TestLocked(SplitMix64(seed: 9))
        let left = BatchFunction<Int, Int>(name: "left") { inputs in
            var generator = seeds.withLock { SplitMix64(seed: $0.next()) }
            try await Self.io(&generator)
            return inputs
        }
        let right = BatchFunction<Int, Int>(name: "right") { inputs in
            var generator = seeds.withLock { SplitMix64(seed: $0.next()) }
            try await Self.io(&generator)
            return inputs.map { $0 + 100 }
        }
        for run in 0..<scaled(1000) {
            let values = try await withBatchContext {
                try await pmap([1, 2, 3, 4]) { i in
                    let x = i.isMultiple(of: 2) ? try await left(i) : try await right(i)
                    return try await shared.load(x)
                }
            }
            #expect(values == [1010, 20, 1030, 40])
            try #require(log.all.count == run + 1, "run \(run): batches \(log.all.suffix(3))")
            try #require(Set(log.all[run]) == [101, 2, 103, 4], "run \(run): batches \(log.all.suffix(3))")
        }
    }

    @Test("a 3-level tree whose batches take random time takes exactly 3 ticks, every run")
    func treeTakesItsDepthInTicks() async throws {
        let seeds = TestLocked(SplitMix64(seed: 4))
        func level(_ name: String) -> Loader<Int, [Int]> {
            Loader(name: name) { keys in
                var generator = seeds.withLock { SplitMix64(seed: $0.next()) }
                try await Self.io(&generator)
                return keys.map { [$0 * 10, $0 * 10 + 1] }
            }
        }
        let (a, b, c, d) = (level("a"), level("b"), level("c"), level("d"))
        for run in 0..<scaled(300) {
            let stats = try await withBatchContext {
                // Two branches of different loaders at each level: their batches finish in any order.
                _ = try await pmap([1, 2]) { root in
                    let children = try await (root == 1 ? a : b).load(root)
                    return try await pmap(children) { child in
                        let grandchildren = try await (child.isMultiple(of: 2) ? c : d).load(child)
                        return try await pmap(grandchildren) { try await a.load($0 + 1000) }
                    }
                }
                return BatchContext.current!.statistics
            }
            try #require(stats.ticks == 3, "run \(run): \(stats.ticks) ticks")
        }
    }

    @Test("a batch function whose own async let loads another loader does not hold the next tick back")
    func batchFunctionWithChildTasksDoesNotDeadlock() async throws {
        let (inner, innerLog) = recordingLoader("inner")
        let outer = Loader<Int, Int>(name: "outer") { keys in
            async let first = inner.load(keys[0])
            async let rest = inner.loadAll(Array(keys.dropFirst()))
            return try await [first] + rest
        }
        let values = try await withBatchContext {
            try await pmap([1, 2, 3]) { try await outer.load($0) }
        }
        #expect(values == [10, 20, 30])
        #expect(innerLog.all.flatMap { $0 }.sorted() == [1, 2, 3])
    }

    @Test("holdingDispatch whose child task waits for a batch lets the tick happen")
    func holdingDispatchWithChildTaskDoesNotDeadlock() async throws {
        let (loader, log) = recordingLoader()
        let value = try await withBatchContext {
            try await BatchContext.holdingDispatch {
                async let child = loader.load(1)
                return try await child
            }
        }
        #expect(value == 10)
        #expect(log.all.map(batchOrder) == [[1]].map(batchOrder))
    }

    @Test("a batch's own load goes out with the loads that follow from the other batches of its tick")
    func nestedLoadJoinsTheFollowUpLoads() async throws {
        let (inner, innerLog) = recordingLoader("inner")
        let gate = Gate()
        let slow = BatchFunction<Int, Int>(name: "slow") { inputs in
            await gate.wait()  // I/O that ends after the other batch is already waiting for its own load
            return inputs
        }
        let loadsInner = BatchFunction<Int, Int>(name: "loadsInner") { inputs in
            Task.detached { gate.open() }
            return try await inner.loadAll(inputs)
        }
        let values = try await withBatchContext {
            async let first = inner.load(try await slow(1))
            async let second = loadsInner(2)
            return try await [first, second]
        }
        #expect(values == [10, 20])
        #expect(innerLog.all.map(Set.init) == [[1, 2]])
    }
}

/// Sizes below 1 fail with a clear error instead of trapping (issue #9).
@Suite("Invalid sizes", .timeLimit(.minutes(1)))
struct InvalidSizeTests {
    @Test("maxBatchSize 0 or below fails every load with BatchError.invalidMaxBatchSize naming the loader")
    func invalidMaxBatchSize() async throws {
        for size in [0, -1, Int.min] {
            let (loader, log) = recordingLoader("zero", maxBatchSize: size)
            let function = BatchFunction<Int, Int>(name: "zeroFn", maxBatchSize: size) { $0 }
            let results = await withBatchContext { await loader.loadMany([1, 2, 3]) }
            #expect(log.all.isEmpty)
            for result in results {
                #expect(throws: BatchError.self) { try result.get() }
                if case .failure(let error as BatchError) = result {
                    #expect(error.code == .invalidMaxBatchSize && error.loader == "zero")
                    #expect(error.description.contains("maxBatchSize \(size)"))
                }
            }
            await #expect(throws: BatchError.self) { _ = try await function(1) }
        }
    }

    @Test("a pool of size 0 fails its tasks with BatchError.invalidPoolSize instead of hanging")
    func invalidPoolSize() async throws {
        let pool = BatchPool(size: 0)
        await pool.waitAvailable()
        do {
            _ = try await withBatchContext { try await pool.pmap([1, 2]) { $0 } }
            Issue.record("a pool of size 0 ran its tasks")
        } catch let error as BatchError {
            #expect(error.code == .invalidPoolSize)
            #expect(error.description.contains("size 0"))
        }
    }
}
