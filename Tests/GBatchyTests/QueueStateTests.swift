@testable import GBatchy
import Testing

/// The decisions of a loader's and a batch function's queue, made by ``QueueState`` alone: no context, no lock, no
/// task. Each step says which slot answers a key, whether the queue must be marked ready, and which batches a tick
/// starts.
@Suite("Queue state", .timeLimit(.minutes(1)))
struct QueueStateTests {
    typealias LoaderState = QueueState<LoaderCache<Int, String>>

    func loaderState(caching: Bool = true, cachesErrors: Bool = false, maxBatchSize: Int? = nil) -> LoaderState {
        QueueState(
            cache: LoaderCache(caching: caching, cachesErrors: cachesErrors, expectedCount: 0),
            maxBatchSize: maxBatchSize,
            expectedCount: 0
        )
    }

    @Test("a loader queues each distinct key once, and only its first key of a tick marks the queue ready")
    func loaderQueuesDistinctKeys() {
        var state = loaderState()
        let hint = TickSizeHint()
        let (one, oneIsFirst) = state.slot(for: 1)
        let (two, twoIsFirst) = state.slot(for: 2)
        let (oneAgain, oneAgainIsFirst) = state.slot(for: 1)
        #expect([oneIsFirst, twoIsFirst, oneAgainIsFirst] == [true, false, false])
        #expect(oneAgain.store === one.store && oneAgain.index == one.index)
        #expect(two.store === one.store && two.index == 1)

        let batches = state.takeBatches(recordingSizeIn: hint)
        #expect(batches.map(\.keys) == [[1, 2]])
        #expect(state.counters == LoaderStatistics(loads: 3, cacheHits: 1, batchSizes: [2]))
        #expect(hint.value == 2)

        // Cached after the tick: no key queued, the queue is not marked ready, and the next tick takes nothing.
        let (cached, cachedIsFirst) = state.slot(for: 2)
        #expect(!cachedIsFirst && cached.store === one.store)
        #expect(state.takeBatches(recordingSizeIn: hint).isEmpty)
        // A new key after a tick is the first of the next one.
        #expect(state.slot(for: 3).isFirstOfTick)
    }

    @Test("with caching off, a key asked twice in one tick is queued once, and again in the next tick")
    func loaderWithoutCaching() {
        var state = loaderState(caching: false)
        let hint = TickSizeHint()
        #expect(state.slot(for: 1).isFirstOfTick)
        #expect(!state.slot(for: 1).isFirstOfTick)
        #expect(state.takeBatches(recordingSizeIn: hint).map(\.keys) == [[1]])
        #expect(state.slot(for: 1).isFirstOfTick)
        #expect(state.takeBatches(recordingSizeIn: hint).map(\.keys) == [[1]])
        #expect(state.counters == LoaderStatistics(loads: 3, cacheHits: 1, batchSizes: [1, 1]))
    }

    @Test("a tick is cut into batches of maxBatchSize keys, in the order they were opened")
    func loaderCutsBatches() {
        var state = loaderState(maxBatchSize: 2)
        let firsts = (1...5).map { state.slot(for: $0).isFirstOfTick }
        #expect(firsts == [true, false, false, false, false])
        let batches = state.takeBatches(recordingSizeIn: TickSizeHint())
        #expect(batches.map(\.keys) == [[1, 2], [3, 4], [5]])
        #expect(state.counters.batchSizes == [2, 2, 1])
    }

    @Test("a finished batch's failed keys are forgotten, unless the loader caches errors")
    func loaderForgetsFailures() {
        struct Failure: Error {}
        for cachesErrors in [false, true] {
            var state = loaderState(cachesErrors: cachesErrors)
            let hint = TickSizeHint()
            _ = state.slot(for: 1)
            _ = state.slot(for: 2)
            let (keys, store) = state.takeBatches(recordingSizeIn: hint)[0]
            store.outcome = .results([.success("one"), .failure(Failure())])
            state.batchFinished(keys, in: store)
            #expect(!state.slot(for: 1).isFirstOfTick)
            // The failed key is queued again, as the first key of the next tick; or it stays cached.
            #expect(state.slot(for: 2).isFirstOfTick == !cachesErrors)
        }
    }

    @Test("a batch function queues every call, equal inputs included")
    func functionQueuesEveryCall() {
        var state = QueueState(cache: NoCache<Int, String>(), maxBatchSize: nil, expectedCount: 0)
        let firsts = [7, 7, 8].map { state.slot(for: $0).isFirstOfTick }
        #expect(firsts == [true, false, false])
        #expect(state.takeBatches(recordingSizeIn: TickSizeHint()).map(\.keys) == [[7, 7, 8]])
        #expect(state.counters == LoaderStatistics(loads: 3, cacheHits: 0, batchSizes: [3]))
        #expect(state.slot(for: 7).isFirstOfTick)
    }
}
