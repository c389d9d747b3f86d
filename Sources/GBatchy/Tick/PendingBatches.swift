/// The keys queued for the next tick by one loader in one context, cut into batches of at most `maxBatchSize` keys.
///
/// A batch is open while it accepts keys. It is sealed when it reaches `maxBatchSize` (the next key opens a new one)
/// or when the context dispatches. All sealed batches of a tick start together and run concurrently.
@usableFromInline
struct PendingBatches<Key: Sendable, Value: Sendable> {
    @usableFromInline var openKeys: [Key] = []
    @usableFromInline var openStore: BatchStore<Value>?
    @usableFromInline var sealed: [(keys: [Key], store: BatchStore<Value>)] = []
    @usableFromInline let maxBatchSize: Int?
    /// How many keys a tick is expected to queue: a new batch reserves room for them (up to `maxBatchSize`), so that
    /// a tick of a thousand keys does not grow its arrays ten times.
    @usableFromInline var expectedCount: Int

    @inlinable
    init(maxBatchSize: Int?, expectedCount: Int) {
        // A limit below 1 fails the batch (`BatchError.invalidMaxBatchSize`): the keys make one batch.
        self.maxBatchSize = maxBatchSize.flatMap { $0 > 0 ? $0 : nil }
        self.expectedCount = expectedCount
    }

    /// Whether no key is queued.
    @inlinable
    var isEmpty: Bool { openStore == nil && sealed.isEmpty }

    /// Queues `key` in the open batch, opening one if needed, and returns its slot.
    @inlinable
    mutating func append(_ key: Key) -> Slot<Value> {
        let store: BatchStore<Value>
        if let openStore {
            store = openStore
        } else {
            store = BatchStore()
            openStore = store
            openKeys.reserveCapacity(Swift.min(expectedCount, maxBatchSize ?? .max))
        }
        let slot = Slot(store: store, index: openKeys.count)
        openKeys.append(key)
        if let maxBatchSize, openKeys.count >= maxBatchSize {
            seal()
        }
        return slot
    }

    @inlinable
    mutating func seal() {
        guard let openStore else { return }
        sealed.append((openKeys, openStore))
        openKeys = []
        self.openStore = nil
    }

    /// Seals the open batch and returns every batch, in the order they were opened. Records the tick's size in
    /// `hint`, for the next contexts, and here, for the next tick.
    @inlinable
    mutating func takeAll(recordingSizeIn hint: borrowing TickSizeHint) -> [(keys: [Key], store: BatchStore<Value>)] {
        seal()
        let batches = sealed
        sealed = []
        expectedCount = hint.record(batches.reduce(0) { $0 + $1.keys.count })
        return batches
    }
}
