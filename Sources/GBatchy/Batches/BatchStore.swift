/// What a finished batch produced.
@usableFromInline
enum BatchOutcome<Value: Sendable>: Sendable {
    /// The batch has not finished yet.
    case pending
    /// One value per key, all successful: the common case, stored without wrapping each value.
    case values([Value])
    /// One result per key.
    case results([Result<Value, any Error>])
    /// The batch function threw: every key failed with this error.
    case failed(any Error)

    /// The result at `index`, or `nil` while the batch is pending.
    @inlinable
    func result(at index: Int) -> Result<Value, any Error>? {
        switch self {
        case .pending: nil
        case .values(let values): .success(values[index])
        case .results(let results): results[index]
        case .failed(let error): .failure(error)
        }
    }

    @inlinable
    var isPending: Bool {
        if case .pending = self { return true }
        return false
    }
}

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

    @inlinable
    init(outcome: BatchOutcome<Value> = .pending) {
        self.outcome = outcome
    }
}

/// A place in a batch: the store and the index of one key in it.
@usableFromInline
struct Slot<Value: Sendable>: Sendable {
    @usableFromInline let store: BatchStore<Value>
    @usableFromInline let index: Int

    @inlinable
    init(store: BatchStore<Value>, index: Int) {
        self.store = store
        self.index = index
    }
}

extension BatchOutcome {
    /// The outcome of a batch function that returned `values` for `keyCount` keys.
    @inlinable
    static func checking(_ values: [Value], keyCount: Int, loader: String) -> BatchOutcome {
        guard values.count == keyCount else {
            return .failed(BatchError.wrongResultCount(loader: loader, expected: keyCount, actual: values.count))
        }
        return .values(values)
    }

    /// The outcome of a batch function that returned `results` for `keyCount` keys.
    @inlinable
    static func checking(_ results: [Result<Value, any Error>], keyCount: Int, loader: String) -> BatchOutcome {
        guard results.count == keyCount else {
            return .failed(BatchError.wrongResultCount(loader: loader, expected: keyCount, actual: results.count))
        }
        return .results(results)
    }
}
