import Foundation
import GBatchy
import Testing

@Suite("Futures, tasks and parallel helpers", .timeLimit(.minutes(1)))
struct HelperTests {
    let addOne = BatchFunction<Int, Int>(name: "addOne") { $0.map { $0 + 1 } }

    @Test("futures queue at once; pget waits for them in order")
    func futuresAndPget() async throws {
        let (loader, log) = recordingLoader()
        let (values, ready) = try await withBatchContext {
            let futures = [3, 1, 2].map { loader.future($0) }
            #expect(!futures[0].isReady)
            let values = try await pget(futures)
            return (values, futures.allSatisfy(\.isReady))
        }
        #expect(values == [30, 10, 20])
        #expect(ready)
        #expect(log.all.map(batchOrder) == [[3, 1, 2]].map(batchOrder))
    }

    @Test("pget takes a mix of futures and tasks, and a tuple of different types")
    func pgetForms() async throws {
        let (loader, log) = recordingLoader()
        let names = Loader<Int, String>(name: "names") { $0.map { "n\($0)" } }
        try await withBatchContext {
            let mixed: [any BatchAwaitable<Int>] = [loader.future(1), spawn { try await loader.load(2) }]
            let values = try await pget(mixed)
            #expect(values == [10, 20])
            let (number, name) = try await pget(loader.future(3), names.future(3))
            #expect(number == 30)
            #expect(name == "n3")
        }
        #expect(log.all.map(batchOrder) == [[1, 2], [3]].map(batchOrder))
    }

    @Test("pget throws the first error in order")
    func pgetFirstError() async throws {
        let half = BatchFunction<Int, Int>(
            name: "half",
            results: { $0.map { $0 % 2 == 0 ? .success($0 / 2) : .failure(TestError(id: $0)) } }
        )
        await withBatchContext {
            let futures = [2, 3, 5].map { half.future($0) }
            await #expect(throws: TestError(id: 3)) { try await pget(futures) }
        }
    }

    @Test("immediate, map and flatMap: transform and chain")
    func immediateMapFlatMap() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn") {
            log.record($0); return $0.map { $0 + 1 }
        }
        let (five, doubled, chained, failed) = try await withBatchContext {
            let five = try await immediate(5).value
            let doubled = try await fn.future(1).map { $0 * 2 }.value
            let chained = try await fn.future(1).flatMap { fn.future($0) }.value
            let failed = await immediate(3).map { _ -> Int in throw TestError(id: 3) }.result
            return (five, doubled, chained, failed)
        }
        #expect(five == 5)
        #expect(doubled == 4)
        #expect(chained == 3)
        #expect(throws: TestError(id: 3)) { try failed.get() }
        #expect(log.all.map(batchOrder) == [[1], [1], [2]].map(batchOrder))
        let thrown: BatchFuture<Int> = immediate(throwing: TestError(id: 1))
        await #expect(throws: TestError(id: 1)) { try await thrown.value }
    }

    @Test("a mapped future made in a tick and its source resolve in that tick")
    func mapsInOneTick() async throws {
        let (loader, log) = recordingLoader()
        try await withBatchContext {
            let futures = (1...3).map { loader.future($0).map { "\($0)" } }
            let values = try await pget(futures)
            #expect(values == ["10", "20", "30"])
        }
        #expect(log.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("pmap and pfilter keep input order and coalesce")
    func pmapPfilter() async throws {
        let (loader, log) = recordingLoader()
        let (mapped, filtered) = try await withBatchContext {
            let mapped = try await pmap([5, 4, 3]) { try await loader.load($0) }
            let filtered = try await pfilter([1, 2, 3, 4]) { try await loader.load($0 + 100) % 20 == 0 }
            return (mapped, filtered)
        }
        #expect(mapped == [50, 40, 30])
        #expect(filtered == [2, 4])
        #expect(log.all.map(batchOrder) == [[5, 4, 3], [101, 102, 103, 104]].map(batchOrder))
    }

    @Test("pmap outside a context creates one for the call")
    func pmapOutsideContext() async throws {
        let (loader, log) = recordingLoader()
        let values = try await pmap(1...4) { try await loader.load($0) }
        #expect(values == [10, 20, 30, 40])
        #expect(log.all.map(batchOrder) == [[1, 2, 3, 4]].map(batchOrder))
    }

    @Test("pmap throws the first error in input order, after every item ran")
    func pmapFirstError() async throws {
        let ran = BatchLog<Int>()
        await #expect(throws: TestError(id: 2)) {
            try await pmap([1, 2, 3, 4]) { item in
                ran.record([item])
                if item.isMultiple(of: 2) { throw TestError(id: item) }
                return item
            }
        }
        #expect(ran.all.count == 4)
    }

    @Test("pmapUnordered and pfilterUnordered yield every output once")
    func unordered() async throws {
        let (loader, log) = recordingLoader()
        let (mapped, filtered) = try await withBatchContext {
            var mapped: [Int] = []
            for try await value in pmapUnordered([1, 2, 3], { try await loader.load($0) }) {
                mapped.append(value)
            }
            var filtered: [Int] = []
            for try await value in pfilterUnordered([1, 2, 3, 4], { $0.isMultiple(of: 2) }) {
                filtered.append(value)
            }
            return (mapped, filtered)
        }
        #expect(mapped.sorted() == [10, 20, 30])
        #expect(filtered.sorted() == [2, 4])
        #expect(log.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("pmapUnordered ends with the first error")
    func unorderedError() async throws {
        let stream = pmapUnordered([1]) { (_: Int) -> Int in throw TestError(id: 1) }
        await #expect(throws: TestError(id: 1)) {
            for try await _ in stream {}
        }
    }

    @Test("iwait yields items as they finish; wait returns the first count")
    func iwaitAndWait() async throws {
        let gate = Gate()
        try await withBatchContext {
            let slow = spawn {
                await gate.wait(); return 1
            }
            let fast = spawn { 2 }
            var order: [Int] = []
            for try await done in iwait([slow, fast]) {
                order.append(try await done.value)
                if order.count == 1 { gate.open() }
            }
            #expect(order == [2, 1])
            let first = try await wait([addOne.future(1), addOne.future(2)], count: 1)
            #expect(first.count == 1)
            let all = try await wait([spawn { 1 }, spawn { 2 }])
            #expect(all.count == 2)
            let none = try await wait([spawn { 1 }], count: 0)
            #expect(none.isEmpty)
        }
    }

    @Test("BatchPool limits concurrency and shares batches within its size")
    func pool() async throws {
        let (loader, log) = recordingLoader()
        let pool = BatchPool(size: 2)
        #expect(pool.size == 2)
        let values = try await withBatchContext {
            try await pool.pmap([1, 2, 3, 4, 5]) { try await loader.load($0) }
        }
        #expect(values == [10, 20, 30, 40, 50])
        #expect(log.all.map(batchOrder) == [[1, 2], [3, 4], [5]].map(batchOrder))
        #expect(pool.running == 0)
        #expect(!pool.isFull)
    }

    @Test("BatchPool spawn, isFull, waitAvailable and imap")
    func poolSpawnAndWait() async throws {
        let pool = BatchPool(size: 1)
        let gate = Gate()
        try await withBatchContext {
            let first = pool.spawn {
                await gate.wait(); return 1
            }
            let second = pool.spawn { 2 }
            // The first task holds the only slot until the gate opens.
            let holder = spawn { () -> Bool in
                await pool.waitAvailable()
                return true
            }
            gate.open()
            let values = try await pget([first, second])
            #expect(values == [1, 2])
            #expect(try await holder.value)
            var ordered: [Int] = []
            for try await value in pool.imap([3, 1, 2], { try await addOne($0) }) {
                ordered.append(value)
            }
            #expect(ordered == [4, 2, 3])
            var unordered: [Int] = []
            for try await value in pool.pmapUnordered([3, 1, 2], { try await addOne($0) }) {
                unordered.append(value)
            }
            #expect(unordered.sorted() == [2, 3, 4])
        }
    }

    @Test("a pool task cancelled while it waits for a slot throws CancellationError")
    func poolCancellation() async throws {
        let pool = BatchPool(size: 1)
        let gate = Gate()
        try await withBatchContext {
            let holder = pool.spawn { await gate.wait() }
            #expect(pool.isFull)
            let waiting = pool.spawn { 1 }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            gate.open()
            try await holder.value
        }
        #expect(pool.running == 0)
    }

    @Test("waitAvailable returns early when its task is cancelled, and leaves the pool as it was")
    func waitAvailableCancelled() async throws {
        let pool = BatchPool(size: 1)
        let gate = Gate()
        try await withBatchContext {
            let holder = pool.spawn { await gate.wait() }
            let watcher = Task { () -> Bool in
                await pool.waitAvailable()
                return Task.isCancelled
            }
            watcher.cancel()
            let returnedCancelled = await watcher.value
            #expect(returnedCancelled)
            #expect(pool.isFull)
            gate.open()
            try await holder.value
        }
        #expect(pool.running == 0)
    }

    @Test("spawn outside a context creates one; inside, it joins")
    func spawnContexts() async throws {
        let (loader, log) = recordingLoader()
        let outside = spawn { BatchContext.current != nil }
        #expect(try await outside.value)
        try await withBatchContext {
            let me = BatchContext.current
            let tasks = (1...3).map { key in spawn { (BatchContext.current === me, try await loader.load(key)) } }
            for task in tasks {
                let (joined, _) = try await task.value
                #expect(joined)
            }
        }
        #expect(log.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("wait does not clash with POSIX wait where Foundation is imported")
    func posixWaitStillCallable() async throws {
        let done = try await GBatchy.wait([immediate(1)], count: 1)
        let alsoDone = try await wait([immediate(2)])
        #expect(done.count == 1 && alsoDone.count == 1)
    }
}
