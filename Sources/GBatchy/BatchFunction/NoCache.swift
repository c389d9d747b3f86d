/// The cache of a ``BatchFunction``: none. Every call is one element of the next batch, equal inputs included.
@usableFromInline
struct NoCache<Key: Sendable, Value: Sendable>: QueueCache {
    @inlinable
    init() {}

    @inlinable
    func slot(for key: Key, queuingIn pending: inout PendingBatches<Key, Value>) -> (Slot<Value>, hit: Bool) {
        (pending.append(key), false)
    }

    @inlinable
    func willTakeBatches() {}

    @inlinable
    func batchFinished(_ keys: [Key], in store: BatchStore<Value>) {}
}
