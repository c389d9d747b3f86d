/// The state of a loader's or batch function's queue in one context: its cache, its queued keys and its counters.
///
/// A pure value: it decides, and its caller acts. ``BatchQueue`` keeps it under the context lock, marks the queue
/// ready when ``slot(for:)`` says a tick must take it, and starts the batches ``takeBatches(recordingSizeIn:)``
/// returns. It holds no lock and starts no task, so its decisions are tested alone (`QueueStateTests`).
@usableFromInline
struct QueueState<Cache: QueueCache> {
    @usableFromInline var cache: Cache
    @usableFromInline var pending: PendingBatches<Cache.Key, Cache.Value>
    @usableFromInline var counters = LoaderStatistics()

    @inlinable
    init(cache: Cache, maxBatchSize: Int?, expectedCount: Int) {
        self.cache = cache
        self.pending = PendingBatches(maxBatchSize: maxBatchSize, expectedCount: expectedCount)
    }

    /// The slot that answers `key`, from the cache or queued in the open batch.
    ///
    /// - Returns: the slot, and whether `key` is the first key queued since the last tick: then the queue must be
    ///   marked ready for the next one.
    @inlinable
    mutating func slot(for key: Cache.Key) -> (Slot<Cache.Value>, isFirstOfTick: Bool) {
        counters.loads += 1
        let wasEmpty = pending.isEmpty
        let (slot, hit) = cache.slot(for: key, queuingIn: &pending)
        if hit {
            counters.cacheHits += 1
            return (slot, false)
        }
        return (slot, wasEmpty)
    }

    /// Seals the open batch and returns every batch queued since the last tick, in the order they were opened, with
    /// their sizes counted. Records the tick's size in `hint`.
    @inlinable
    mutating func takeBatches(
        recordingSizeIn hint: borrowing TickSizeHint
    ) -> [(keys: [Cache.Key], store: BatchStore<Cache.Value>)] {
        cache.willTakeBatches()
        let batches = pending.takeAll(recordingSizeIn: hint)
        for batch in batches {
            counters.batchSizes.append(batch.keys.count)
        }
        return batches
    }

    /// Records that the batch of `keys` has finished in `store`: the cache forgets what it must not keep.
    @inlinable
    mutating func batchFinished(_ keys: [Cache.Key], in store: BatchStore<Cache.Value>) {
        cache.batchFinished(keys, in: store)
    }
}
