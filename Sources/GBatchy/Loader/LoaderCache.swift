/// A ``Loader``'s cache in one context: the slot of every key loaded or queued.
///
/// With caching off it holds only the keys queued for the next tick, so that a key asked twice in one tick is fetched
/// once. Every member is called under the context lock.
@usableFromInline
struct LoaderCache<Key: Hashable & Sendable, Value: Sendable>: QueueCache {
    @usableFromInline var entries: [Key: Slot<Value>] = [:]
    /// Whether values stay cached after their batch (``Loader/caching``).
    @usableFromInline let caching: Bool
    /// Whether failed keys stay cached too (``Loader/cachesErrors``).
    @usableFromInline let cachesErrors: Bool

    @inlinable
    init(caching: Bool, cachesErrors: Bool, expectedCount: Int) {
        self.caching = caching
        self.cachesErrors = cachesErrors
        entries.reserveCapacity(expectedCount)
    }

    @inlinable
    mutating func slot(for key: Key, queuingIn pending: inout PendingBatches<Key, Value>) -> (Slot<Value>, hit: Bool) {
        // One hash: the entry is looked up and, when missing, filled in place.
        var hit = true
        var found: Slot<Value>?
        update(&entries[key]) { entry in
            if entry == nil {
                hit = false
                entry = pending.append(key)
            }
            found = entry
        }
        return (found.unsafelyUnwrapped, hit)  // set on both paths just above
    }

    @inlinable
    mutating func willTakeBatches() {
        if !caching { entries.removeAll(keepingCapacity: true) }
    }

    /// Removes the failed keys of a finished batch, unless the loader caches errors, so that the next load of such a
    /// key tries again.
    @inlinable
    mutating func batchFinished(_ keys: [Key], in store: BatchStore<Value>) {
        guard caching, !cachesErrors else { return }
        switch store.outcome {
        case .pending, .values:
            return
        case .failed:
            for key in keys where entries[key]?.store === store {
                entries[key] = nil
            }
        case .results(let results):
            for (key, result) in zip(keys, results) {
                if case .failure = result, entries[key]?.store === store {
                    entries[key] = nil
                }
            }
        }
    }

    /// Caches `value` for `key`, unless caching is off or the key is already cached.
    @inlinable
    mutating func prime(_ key: Key, _ value: Value) {
        guard caching, entries[key] == nil else { return }
        entries[key] = Slot(store: BatchStore(outcome: .values([value])), index: 0)
    }

    /// Caches each value for its key, in one store for all of them, unless caching is off; a key already cached (or
    /// given twice: the first value counts) keeps its value.
    @inlinable
    mutating func prime(contentsOf pairs: [(key: Key, value: Value)]) {
        guard caching, !pairs.isEmpty else { return }
        let store = BatchStore<Value>(outcome: .values(pairs.map(\.value)))
        entries.reserveCapacity(entries.count + pairs.count)
        for index in pairs.indices {
            // One hash finds or makes the entry; a key already cached keeps its slot.
            update(&entries[pairs[index].key]) { slot in
                if slot == nil { slot = Slot(store: store, index: index) }
            }
        }
    }

    /// Forgets `key`, so that its next load queues it again.
    @inlinable
    mutating func clear(_ key: Key) {
        entries[key] = nil
    }

    /// Forgets every key.
    @inlinable
    mutating func clearAll() {
        entries.removeAll()
    }
}

/// Runs `body` on `value` in place: with `&dictionary[key]`, one hash finds or makes the entry.
@inlinable
func update<T>(_ value: inout T, _ body: (inout T) -> Void) {
    body(&value)
}
