/// What a queue remembers of the keys it was asked for in one context: a ``Loader``'s cache (``LoaderCache``), or
/// nothing for a ``BatchFunction`` (``NoCache``).
///
/// A ``QueueState`` asks its cache first and queues a key only when the cache has no slot for it. Every member is
/// called under the context lock.
@usableFromInline
protocol QueueCache<Key, Value>: Sendable {
    associatedtype Key: Sendable
    associatedtype Value: Sendable

    /// The slot that answers `key`: the remembered one, or one that `pending` opens for it (and that the cache then
    /// remembers).
    ///
    /// - Returns: the slot, and whether it was remembered (a cache hit: no key was queued).
    mutating func slot(for key: Key, queuingIn pending: inout PendingBatches<Key, Value>) -> (Slot<Value>, hit: Bool)

    /// Called when the tick takes the queued keys, before they become batches.
    mutating func willTakeBatches()

    /// Called under the context lock when the batch of `keys` has finished in `store`, before its waiters resume.
    mutating func batchFinished(_ keys: [Key], in store: BatchStore<Value>)
}
