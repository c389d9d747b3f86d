/// The storage of one batch inside one context: its outcome and the waiters suspended on it.
///
/// A store is created when the first key of a batch is queued, sealed when the batch is dispatched, and finished when
/// the batch function returns. Every slot of a batch (one per distinct key) is an index into the same store, so
/// queuing a key allocates nothing per key.
///
/// `@unchecked Sendable`: every mutable field is read and written only while holding the lock of the
/// ``BatchContext`` that created the store (`BatchContext.state`). The context is the store's only owner of record;
/// futures that point at a store always go through that context's lock.
@usableFromInline
final class BatchStore<Value: Sendable>: @unchecked Sendable {
    /// Guarded by the owning context's lock.
    @exclusivity(unchecked) @usableFromInline var outcome: BatchOutcome<Value>
    /// Guarded by the owning context's lock.
    @exclusivity(unchecked) @usableFromInline var waiters = WaiterQueue<Waiter<Value>>()
    /// The running batch's token, which tells it when every waiter is gone; `nil` before it runs.
    @exclusivity(unchecked) @usableFromInline var abandonment: BatchAbandonment?
    /// Whether a future or a `loadMany` holds one of the batch's slots: it may be awaited later, with no waiter now,
    /// so the batch is never abandoned.
    @exclusivity(unchecked) @usableFromInline var pinned = false

    @inlinable
    init(outcome: BatchOutcome<Value> = .pending) {
        self.outcome = outcome
    }
}
