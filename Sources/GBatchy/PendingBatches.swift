/// The keys queued for the next tick by one loader in one context, cut into batches of at most `maxBatchSize` keys.
///
/// A batch is open while it accepts keys. It is sealed when it reaches `maxBatchSize` (the next key opens a new one)
/// or when the context dispatches. All sealed batches of a tick start together and run concurrently.
struct PendingBatches<Key: Sendable, Value: Sendable> {
    private(set) var openKeys: [Key] = []
    private var openStore: BatchStore<Value>?
    private var sealed: [(keys: [Key], store: BatchStore<Value>)] = []
    let maxBatchSize: Int?

    init(maxBatchSize: Int?) {
        self.maxBatchSize = maxBatchSize
    }

    /// Whether no key is queued.
    var isEmpty: Bool { openStore == nil && sealed.isEmpty }

    /// Queues `key` in the open batch, opening one if needed, and returns its slot.
    mutating func append(_ key: Key) -> Slot<Value> {
        let store: BatchStore<Value>
        if let openStore {
            store = openStore
        } else {
            store = BatchStore()
            openStore = store
        }
        let slot = Slot(store: store, index: openKeys.count)
        openKeys.append(key)
        if let maxBatchSize, openKeys.count >= maxBatchSize {
            seal()
        }
        return slot
    }

    private mutating func seal() {
        guard let openStore else { return }
        sealed.append((openKeys, openStore))
        openKeys = []
        self.openStore = nil
    }

    /// Seals the open batch and returns every batch, in the order they were opened.
    mutating func takeAll() -> [(keys: [Key], store: BatchStore<Value>)] {
        seal()
        let batches = sealed
        sealed = []
        return batches
    }
}
