/// A ``Loader``'s state inside one context: its cache, its pending keys and its counters.
///
/// Every method runs under the context lock. `@unchecked Sendable`: the batch runs it starts capture it, and they
/// only touch its mutable fields through `BatchContext.finish(_:with:cleanup:)`, which holds that lock.
@usableFromInline
final class LoaderQueue<Key: Hashable & Sendable, Value: Sendable>: ContextQueue, @unchecked Sendable {
    @usableFromInline let loader: Loader<Key, Value>
    @usableFromInline unowned let context: BatchContext
    /// With caching on: every key loaded or queued in this context. With caching off: only the keys queued for the
    /// next tick, so that a key asked twice in one tick is fetched once.
    @exclusivity(unchecked) @usableFromInline var cache: [Key: Slot<Value>] = [:]
    @exclusivity(unchecked) @usableFromInline var pending: PendingBatches<Key, Value>
    @exclusivity(unchecked) @usableFromInline var counters = LoaderStatistics()
    /// ``takeReadyBatches(into:)``, made where the queue is created, so that it is specialized for `Key` and `Value`
    /// like the rest of the hot path.
    @usableFromInline let takeBatches: (LoaderQueue, inout [BatchRun]) -> Void

    @inlinable
    init(loader: Loader<Key, Value>, context: BatchContext) {
        self.loader = loader
        self.context = context
        let expectedCount = loader.tickSizeHint.value
        self.pending = PendingBatches(maxBatchSize: loader.maxBatchSize, expectedCount: expectedCount)
        self.cache.reserveCapacity(expectedCount)
        self.takeBatches = { queue, runs in queue.takeReadyBatchesSpecialized(into: &runs) }
    }

    @usableFromInline var name: String { loader.name }
    @usableFromInline var statistics: LoaderStatistics { counters }

    /// The slot that answers `key`: a cached one, or a new one in the open batch.
    ///
    /// - Returns: the slot, and whether the caller must schedule a drain.
    @inlinable
    func slot(for key: Key, state: inout ContextState) -> (Slot<Value>, wake: Bool) {
        counters.loads += 1
        // One hash: the entry is looked up and, when missing, filled in place.
        var isNew = false
        var wasEmpty = false
        var found: Slot<Value>?
        update(&cache[key]) { entry in
            if entry == nil {
                isNew = true
                wasEmpty = pending.isEmpty
                entry = pending.append(key)
            }
            found = entry
        }
        let slot = found.unsafelyUnwrapped  // set on both paths just above
        guard isNew else {
            counters.cacheHits += 1
            return (slot, false)
        }
        let wake = wasEmpty ? state.markReady(self) : false
        return (slot, wake)
    }

    @usableFromInline
    func takeReadyBatches(into runs: inout [BatchRun]) {
        takeBatches(self, &runs)
    }

    @inlinable
    func takeReadyBatchesSpecialized(into runs: inout [BatchRun]) {
        if !loader.caching { cache.removeAll(keepingCapacity: true) }
        for (keys, store) in pending.takeAll(recordingSizeIn: loader.tickSizeHint) {
            counters.batchSizes.append(keys.count)
            runs.append(
                BatchRun(group: loader.dispatchGroup) { [self] in
                    let outcome = await loader.run(keys)
                    context.finish(store, with: outcome) { self.forgetFailures(keys, of: store) }
                }
            )
        }
    }

    /// Removes the failed keys of a finished batch from the cache, unless the loader caches errors, so that the next
    /// load of such a key tries again. Runs under the context lock.
    @inlinable
    func forgetFailures(_ keys: [Key], of store: BatchStore<Value>) {
        guard loader.caching, !loader.cachesErrors else { return }
        switch store.outcome {
        case .pending, .values:
            return
        case .failed:
            for key in keys where cache[key]?.store === store {
                cache[key] = nil
            }
        case .results(let results):
            for (key, result) in zip(keys, results) {
                if case .failure = result, cache[key]?.store === store {
                    cache[key] = nil
                }
            }
        }
    }

    @inlinable
    func prime(_ key: Key, _ value: Value) {
        guard loader.caching, cache[key] == nil else { return }
        cache[key] = Slot(store: BatchStore(outcome: .values([value])), index: 0)
    }
}

/// Runs `body` on `value` in place: with `&dictionary[key]`, one hash finds or makes the entry.
@inlinable
func update<T>(_ value: inout T, _ body: (inout T) -> Void) {
    body(&value)
}

extension ContextState {
    /// The queue of `owner` in this context, created on first use.
    ///
    /// The queue is keyed by the owner's identity, and its type is fixed by the owner's type, so the downcast is
    /// always right.
    @inlinable
    mutating func queue<Queue: ContextQueue>(for owner: AnyObject, make: () -> Queue) -> Queue {
        let id = ObjectIdentifier(owner)
        if let queue = queues[id] {
            return unsafeDowncast(queue, to: Queue.self)
        }
        let queue = make()
        register(queue, for: id)
        return queue
    }
}
