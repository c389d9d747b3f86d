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
