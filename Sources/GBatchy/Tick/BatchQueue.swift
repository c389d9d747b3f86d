/// A loader's or batch function's queue inside one context: its ``QueueState``, and the batches it starts.
///
/// A ``Loader``'s queue is a `BatchQueue<LoaderCache<Key, Value>>`, a ``BatchFunction``'s a
/// `BatchQueue<NoCache<Input, Output>>`: they differ only by their cache.
///
/// Every method runs under the context lock. `@unchecked Sendable`: the batch runs it starts capture it, and they
/// only touch its mutable state through `BatchContext.finish(_:with:cleanup:)`, which holds that lock.
@usableFromInline
final class BatchQueue<Cache: QueueCache>: ContextQueue, @unchecked Sendable {
    @usableFromInline let source: BatchSource<Cache.Key, Cache.Value>
    @usableFromInline unowned let context: BatchContext
    @exclusivity(unchecked) @usableFromInline var state: QueueState<Cache>
    /// ``takeReadyBatches(into:)``, made where the queue is created, so that it is specialized for the cache, the key
    /// and the value like the rest of the hot path.
    @usableFromInline let takeBatches: (BatchQueue, inout [BatchRun]) -> Void

    @inlinable
    init(source: BatchSource<Cache.Key, Cache.Value>, context: BatchContext, cache: Cache) {
        self.source = source
        self.context = context
        self.state = QueueState(
            cache: cache,
            maxBatchSize: source.maxBatchSize,
            expectedCount: source.tickSizeHint.value
        )
        self.takeBatches = { queue, runs in queue.takeReadyBatchesSpecialized(into: &runs) }
    }

    @usableFromInline var name: String { source.name }
    @usableFromInline var statistics: LoaderStatistics { state.counters }

    /// The slot that answers `key`: a cached one, or a new one in the open batch.
    ///
    /// - Returns: the slot, and whether the caller must schedule a drain.
    @inlinable
    func slot(for key: Cache.Key, in contextState: inout ContextState) -> (Slot<Cache.Value>, wake: Bool) {
        let (slot, isFirstOfTick) = state.slot(for: key)
        return (slot, isFirstOfTick ? contextState.markReady(self) : false)
    }

    @usableFromInline
    func takeReadyBatches(into runs: inout [BatchRun]) {
        takeBatches(self, &runs)
    }

    @inlinable
    func takeReadyBatchesSpecialized(into runs: inout [BatchRun]) {
        for (keys, store) in state.takeBatches(recordingSizeIn: source.tickSizeHint) {
            let abandonment = BatchAbandonment()
            // Every caller of the batch was cancelled before it ran: it runs (its keys must be answered) but stops at
            // once.
            if store.waiters.isIdle, !store.pinned { abandonment.abandon() }
            store.abandonment = abandonment
            runs.append(
                BatchRun(group: source.dispatchGroup) { [self] in
                    let outcome = await abandonment.binding { await source.run(keys) }
                    context.finish(store, with: outcome) { state.batchFinished(keys, in: store) }
                }
            )
        }
    }
}
