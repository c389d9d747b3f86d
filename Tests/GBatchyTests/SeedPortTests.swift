import GBatchy
import Testing

/// Ports of gbatchy's README example and of `tests/batch_tests.py`.
@Suite("gbatchy ports", .timeLimit(.minutes(1)))
struct SeedPortTests {
    @Test("the README example makes one batch of 0 1 2 0 1 2")
    func readmeExample() async throws {
        let log = BatchLog<Int>()
        let batchFn = BatchFunction<Int, Int>(name: "batch_fn") { args in
            log.record(args)
            return args.map { $0 + 1 }
        }
        let printed = BatchLog<[Int]>()
        try await withBatchContext {
            _ = try await pget(
                (0..<2).map { _ in
                    spawn {
                        let results = try await pget((0..<3).map { batchFn.future($0) })
                        printed.record([results])
                    }
                }
            )
        }
        #expect(log.all.map(batchOrder) == [[0, 1, 2, 0, 1, 2]].map(batchOrder))
        #expect(printed.all == [[[1, 2, 3]], [[1, 2, 3]]])
    }

    @Test("the same program forms the same batches on every run")
    func deterministic() async throws {
        for _ in 0..<50 {
            let log = BatchLog<Int>()
            let fn = BatchFunction<Int, Int>(name: "fn") {
                log.record($0); return $0
            }
            let inner = BatchFunction<Int, Int>(name: "inner") {
                log.record($0); return $0
            }
            try await withBatchContext {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<6 {
                        group.addTask {
                            let x = try await fn(i)
                            _ = try await inner(x * 100)
                            if i.isMultiple(of: 2) { _ = try await fn(i + 1000) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(
                log.all.map(batchOrder) == [[0, 1, 2, 3, 4, 5], [0, 100, 200, 300, 400, 500], [1000, 1002, 1004]]
            )
        }
    }

    @Test("test_batch_works: two spawned calls make one batch, two futures one more")
    func batchWorks() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn") {
            log.record($0); return $0.map { $0 * 2 }
        }
        try await withBatchContext {
            let a = spawn { try await fn(1) }
            let b = spawn { try await fn(2) }
            let (first, second) = (try await a.value, try await b.value)
            #expect([first, second] == [2, 4])
            #expect(log.all.count == 1)
            let c = fn.future(3)
            let d = fn.future(4)
            let values = try await pget([c, d])
            #expect(values == [6, 8])
        }
        #expect(log.all.map(batchOrder) == [[1, 2], [3, 4]].map(batchOrder))
    }

    @Test("test_with_gevent: a task started outside the batch machinery gets a context of its own")
    func outsideTaskHasOwnContext() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn") {
            log.record($0); return $0
        }
        try await withBatchContext {
            let outside = (0..<2).map { _ in Task.detached { try await fn(2) } }
            for task in outside { _ = try await task.value }
            _ = try await pget([1, 1, 3, 3].map { x in spawn { try await fn(x) } })
        }
        #expect(log.all.map(batchOrder) == [[2], [2], [1, 1, 3, 3]].map(batchOrder))
    }

    @Test("test_concurrent_batching: a batch function waiting for another of the same tick does not hang")
    func concurrentBatching() async throws {
        let log = BatchLog<String>()
        let b = BatchFunction<Int, Int>(name: "b") { inputs in
            log.record(inputs.map { "b\($0)" }); return inputs
        }
        let a = BatchFunction<BatchFuture<Int>, Int>(name: "a") { futures in
            log.record(["a\(futures.count)"])
            return try await pget(futures).map { $0 + 1 }
        }
        let ticks = try await withBatchContext {
            let fromB = b.future(41)
            let fromA = a.future(fromB)
            let value = try await fromA.value
            #expect(value == 42)
            return BatchContext.current!.statistics.ticks
        }
        #expect(ticks == 1)
        #expect(Set(log.all) == [["b41"], ["a1"]])
    }

    @Test("class_batched: batches are keyed per instance")
    func perInstance() async throws {
        let (first, firstLog) = recordingLoader("same-name")
        let (second, secondLog) = recordingLoader("same-name")
        try await withBatchContext {
            async let a = first.load(1)
            async let b = second.load(1)
            async let c = first.load(2)
            let values = try await [a, b, c]
            #expect(values == [10, 10, 20])
        }
        #expect(firstLog.all.map(batchOrder) == [[1, 2]].map(batchOrder))
        #expect(secondLog.all.map(batchOrder) == [[1]].map(batchOrder))
    }

    @Test("max_size: a batch holds at most N calls, the next calls start a new batch")
    func maxSize() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn", maxBatchSize: 2) {
            log.record($0); return $0
        }
        let values = try await pmap(0..<5) { try await fn($0) }
        #expect(values == [0, 1, 2, 3, 4])
        #expect(sealedBatches(log.all) == sealedBatches([[0, 1], [2, 3], [4]]))
    }

    @Test("Raise: a failure at one index fails only that caller")
    func raiseAtIndex() async throws {
        let half = BatchFunction<Int, Int>(
            name: "half",
            results: { inputs in inputs.map { $0 % 2 == 0 ? .success($0 / 2) : .failure(TestError(id: $0)) } }
        )
        let results = await withBatchContext {
            let futures = (0..<4).map { half.future($0) }
            var results: [Result<Int, any Error>] = []
            for future in futures { results.append(await future.result) }
            return results
        }
        #expect(try results[0].get() == 0)
        #expect(throws: TestError(id: 1)) { try results[1].get() }
        #expect(try results[2].get() == 1)
        #expect(throws: TestError(id: 3)) { try results[3].get() }
    }

    @Test("an exception thrown by the batch function raises in every caller")
    func wholeBatchThrows() async throws {
        let fn = BatchFunction<Int, Int>(name: "fn") { _ in throw TestError(id: 7) }
        await withBatchContext {
            let futures = (0..<3).map { fn.future($0) }
            for future in futures {
                let result = await future.result
                #expect(throws: TestError(id: 7)) { try result.get() }
            }
        }
    }

    @Test("returning None: a batch function without outputs answers every call with ()")
    func voidBatchFunction() async throws {
        let log = BatchLog<String>()
        let audit = BatchFunction<String, Void>(name: "audit") { (events: [String]) in log.record(events) }
        try await withBatchContext {
            async let a: Void = audit("a")
            async let b: Void = audit("b")
            _ = try await (a, b)
        }
        #expect(log.all.map(batchOrder) == [["a", "b"]].map(batchOrder))
    }

    @Test("a wrong number of results fails every caller with an error naming the function and both counts")
    func wrongLength() async throws {
        let fn = BatchFunction<Int, Int>(name: "short") { inputs in Array(inputs.dropLast()) }
        try await withBatchContext {
            let futures = (0..<3).map { fn.future($0) }
            for future in futures {
                do {
                    _ = try await future.value
                    Issue.record("expected an error")
                } catch let error as BatchError {
                    #expect(error.code == .wrongResultCount)
                    #expect(error.loader == "short")
                    #expect(error.expectedCount == 3)
                    #expect(error.actualCount == 2)
                    #expect(error.description == "batch function 'short' returned 2 results for 3 keys")
                }
            }
        }
    }

    @Test("Pool(1): pmap of three items makes three batches of one")
    func poolOfOne() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn") {
            log.record($0); return $0
        }
        let pool = BatchPool(size: 1)
        let values = try await withBatchContext { try await pool.pmap([1, 2, 3]) { try await fn($0) } }
        #expect(values == [1, 2, 3])
        #expect(log.all.map(batchOrder) == [[1], [2], [3]].map(batchOrder))
    }

    @Test("a call outside any context runs in a context of its own")
    func outsideContext() async throws {
        let log = BatchLog<Int>()
        let fn = BatchFunction<Int, Int>(name: "fn") {
            log.record($0); return $0.map { $0 + 1 }
        }
        #expect(BatchContext.current == nil)
        #expect(try await fn(1) == 2)
        #expect(try await fn.future(2).value == 3)
        #expect(log.all.map(batchOrder) == [[1], [2]].map(batchOrder))
    }
}
