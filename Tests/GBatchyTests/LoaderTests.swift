import GBatchy
import Testing

/// Ports of DataLoader's core cases.
@Suite("Loader (DataLoader semantics)", .timeLimit(.minutes(1)))
struct LoaderTests {
    @Test("loads issued in one tick coalesce into one batch")
    func coalescing() async throws {
        let (loader, log) = recordingLoader()
        let values = try await withBatchContext {
            async let a = loader.load(1)
            async let b = loader.load(2)
            async let c = loader.load(3)
            return try await [a, b, c]
        }
        #expect(values == [10, 20, 30])
        #expect(log.all.map(batchOrder) == [[1, 2, 3]].map(batchOrder))
    }

    @Test("maxBatchSize cuts a tick into chunks that run concurrently")
    func maxBatchSizeChunks() async throws {
        let started = BatchLog<Int>()
        let bothStarted = Gate()
        let loader = Loader<Int, Int>(name: "chunks", maxBatchSize: 2) { keys in
            started.record(keys)
            // Each chunk waits until every chunk of the tick has started: it only finishes when they run
            // concurrently.
            if started.all.count == 3 { bothStarted.open() }
            await bothStarted.wait()
            return keys
        }
        let (values, stats) = try await withBatchContext {
            let values = try await loader.loadAll([1, 2, 3, 4, 5])
            return (values, BatchContext.current!.statistics)
        }
        #expect(values == [1, 2, 3, 4, 5])
        #expect(sealedBatches(started.all) == sealedBatches([[1, 2], [3, 4], [5]]))
        #expect(stats.ticks == 1)
        #expect(stats["chunks"].batchSizes == [2, 2, 1])
    }

    @Test("a cached key is not fetched again")
    func cacheHits() async throws {
        let (loader, log) = recordingLoader()
        let stats = try await withBatchContext {
            _ = try await loader.load(1)
            async let a = loader.load(1)
            async let b = loader.load(2)
            _ = try await (a, b)
            _ = try await loader.load(2)
            return BatchContext.current!.statistics
        }
        #expect(log.all.map(batchOrder) == [[1], [2]].map(batchOrder))
        #expect(stats["tens"].loads == 4)
        #expect(stats["tens"].cacheHits == 2)
    }

    @Test("prime fills the cache, clear and clearAll empty it")
    func primeAndClear() async throws {
        let (loader, log) = recordingLoader()
        try await withBatchContext {
            loader.prime(1, 111)
            loader.prime(1, 222)  // already cached: ignored
            let primed = try await loader.load(1)
            #expect(primed == 111)
            _ = try await loader.loadAll([2, 3])
            loader.clear(2)
            _ = try await loader.loadAll([2, 3])
            loader.clearAll()
            let fresh = try await loader.loadAll([1, 3])
            #expect(fresh == [10, 30])
        }
        #expect(log.all.map(batchOrder) == [[2, 3], [2], [1, 3]].map(batchOrder))
    }

    @Test("prime, clear and clearAll act on the current context only")
    func primeIsPerContext() async throws {
        let (loader, log) = recordingLoader()
        await withBatchContext { loader.prime(1, 111) }
        let value = try await withBatchContext { try await loader.load(1) }
        #expect(value == 10)
        #expect(log.all.map(batchOrder) == [[1]].map(batchOrder))
    }

    @Test("clear and clearAll of a loader the context never used create nothing in it")
    func clearingAnUnusedLoaderLeavesNoTrace() async throws {
        let (used, _) = recordingLoader("used")
        let (unused, log) = recordingLoader("unused")
        let statistics = try await withBatchContext {
            _ = try await used.load(1)
            unused.clear(1)
            unused.clearAll()
            return BatchContext.current?.statistics
        }
        #expect(statistics?.loaders.keys.sorted() == ["used"])
        #expect(log.all.isEmpty)
    }

    @Test("keys are deduplicated within a tick even with caching off")
    func dedupWithoutCache() async throws {
        let (loader, log) = recordingLoader(caching: false)
        let stats = try await withBatchContext {
            async let a = loader.load(1)
            async let b = loader.load(1)
            async let c = loader.load(2)
            let values = try await [a, b, c]
            #expect(values == [10, 10, 20])
            _ = try await loader.load(1)  // not cached: fetched again
            return BatchContext.current!.statistics
        }
        #expect(log.all.map(batchOrder) == [[1, 2], [1]].map(batchOrder))
        #expect(stats["tens"].cacheHits == 1)
    }

    @Test("errors are not cached by default")
    func errorsNotCached() async throws {
        let log = BatchLog<Int>()
        let loader = Loader<Int, Int>(
            name: "flaky",
            results: { keys in
                log.record(keys)
                return keys.map { $0 < 0 ? .failure(TestError(id: $0)) : .success($0) }
            }
        )
        try await withBatchContext {
            for _ in 0..<2 {
                let results = await loader.loadMany([-1, 1])
                let second = try results[1].get()
                #expect(throws: TestError(id: -1)) { try results[0].get() }
                #expect(second == 1)
            }
        }
        #expect(log.all.map(batchOrder) == [[-1, 1], [-1]].map(batchOrder))
    }

    @Test("cachesErrors keeps failed keys cached")
    func errorsCachedWhenAsked() async throws {
        let log = BatchLog<Int>()
        let loader = Loader<Int, Int>(
            name: "flaky",
            cachesErrors: true,
            results: { keys in
                log.record(keys)
                return keys.map { _ in .failure(TestError(id: 9)) }
            }
        )
        await withBatchContext {
            for _ in 0..<3 {
                let result = await loader.loadMany([5])[0]
                #expect(throws: TestError(id: 9)) { try result.get() }
            }
        }
        #expect(log.all.map(batchOrder) == [[5]].map(batchOrder))
    }

    @Test("a whole-batch throw fails every waiter and caches nothing")
    func wholeBatchThrow() async throws {
        let log = BatchLog<Int>()
        let failing = Gate()
        let loader = Loader<Int, Int>(name: "down") { keys in
            log.record(keys)
            if log.all.count == 1 { throw TestError(id: 500) }
            failing.open()
            return keys
        }
        try await withBatchContext {
            let results = await loader.loadMany([1, 2, 3])
            for result in results {
                #expect(throws: TestError(id: 500)) { try result.get() }
            }
            let retried = try await loader.loadAll([1, 2, 3])
            #expect(retried == [1, 2, 3])
        }
        #expect(log.all.map(batchOrder) == [[1, 2, 3], [1, 2, 3]].map(batchOrder))
    }

    @Test("a wrong number of values gives an error naming the loader and both counts")
    func wrongLength() async throws {
        let loader = Loader<Int, Int>(name: "users") { keys in keys + [0] }
        let results = await loader.loadMany([1, 2])
        for result in results {
            #expect(throws: BatchError.self) { try result.get() }
            do {
                _ = try result.get()
            } catch let error as BatchError where BatchError.wrongResultCount ~= error {
                #expect("\(error)" == "batch function 'users' returned 3 results for 2 keys")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("the dictionary form fails a missing key with notFound, naming the loader and the key")
    func dictionaryNotFound() async throws {
        let loader = Loader<Int, String>(
            name: "names",
            dictionary: { ids in
                Dictionary(uniqueKeysWithValues: ids.filter { $0 < 100 }.map { ($0, "user \($0)") })
            }
        )
        let results = await loader.loadMany([1, 404])
        #expect(try results[0].get() == "user 1")
        do {
            _ = try results[1].get()
            Issue.record("expected notFound")
        } catch let error as BatchError {
            #expect(error.code == .notFound)
            #expect(error.key == "404")
            #expect(error.description == "loader 'names' found no value for key 404")
        }
    }

    @Test("nested loaders coalesce across loaders: [[A1, A2], [B1, B2]] reach the inner loader as one batch")
    func nestedLoaders() async throws {
        let innerLog = BatchLog<String>()
        let inner = Loader<String, String>(name: "inner") { keys in
            innerLog.record(keys)
            return keys.map { $0.lowercased() }
        }
        let outerA = Loader<Int, [String]>(name: "A") { keys in
            let values = try await inner.loadAll(keys.map { "A\($0)" })
            return keys.map { _ in values }
        }
        let outerB = Loader<Int, [String]>(name: "B") { keys in
            let values = try await inner.loadAll(keys.map { "B\($0)" })
            return keys.map { _ in values }
        }
        let (values, stats) = try await withBatchContext {
            async let a1 = outerA.load(1)
            async let a2 = outerA.load(2)
            async let b1 = outerB.load(1)
            async let b2 = outerB.load(2)
            let values = try await [a1, a2, b1, b2]
            return (values, BatchContext.current!.statistics)
        }
        #expect(innerLog.all.map(batchOrder) == [["A1", "A2", "B1", "B2"]].map(batchOrder))
        #expect(values[0] == ["a1", "a2"])
        #expect(values[3] == ["b1", "b2"])
        #expect(stats.ticks == 2)
        #expect(stats["A"].batchSizes == [2])
        #expect(stats["B"].batchSizes == [2])
        #expect(stats["inner"].batchSizes == [4])
    }

    @Test("a 3-level tree takes exactly 3 ticks")
    func threeLevels() async throws {
        let (leaf, leafLog) = recordingLoader("leaf")
        let middle = Loader<Int, [Int]>(name: "middle") { keys in
            try await pmap(keys) { key in try await leaf.loadAll((0..<10).map { key * 10 + $0 }) }
        }
        let root = Loader<Int, [[Int]]>(name: "root") { keys in
            try await pmap(keys) { key in try await middle.loadAll((0..<10).map { key * 10 + $0 }) }
        }
        let stats = try await withBatchContext {
            let tree = try await root.loadAll(Array(0..<10))
            #expect(tree.count == 10)
            #expect(tree[9][9] == (0..<10).map { (990 + $0) * 10 })
            return BatchContext.current!.statistics
        }
        #expect(stats.ticks == 3)
        #expect(stats["root"].batchSizes == [10])
        #expect(stats["middle"].batchSizes == [100])
        #expect(stats["leaf"].batchSizes == [1000])
        #expect(leafLog.all.count == 1)
    }

    @Test("loadMany keeps partial failures and answers duplicates")
    func loadManyPartial() async throws {
        let loader = Loader<Int, Int>(
            name: "odd",
            results: { keys in keys.map { $0 % 2 == 1 ? .success($0) : .failure(TestError(id: $0)) } }
        )
        let results = await loader.loadMany([1, 2, 1, 3])
        #expect(results.count == 4)
        #expect(try results[0].get() == 1)
        #expect(throws: TestError(id: 2)) { try results[1].get() }
        #expect(try results[2].get() == 1)
        #expect(try results[3].get() == 3)
        await #expect(throws: TestError(id: 2)) { try await loader.loadAll([1, 2]) }
        #expect(await loader.loadMany([Int]()).isEmpty)
    }
}
