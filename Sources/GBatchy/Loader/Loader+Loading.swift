extension Loader {
    /// Loads the value of `key`: from the context's cache, or in the next batch.
    ///
    /// ```swift
    /// let user = try await users.load(1)
    /// ```
    ///
    /// - Parameter key: The key to load.
    /// - Returns: The value the batch function gave for `key`.
    /// - Throws: The error of the key or of its whole batch, ``BatchError`` for a malformed answer, or
    ///   `CancellationError` when the calling task is cancelled while it waits.
    @inlinable
    public nonisolated(nonsending) func load(_ key: Key) async throws -> Value {
        try Task.checkCancellation()
        let context = BatchContext.current ?? BatchContext()
        return try await context.value(of: context.checkedSlot(for: key, in: self))
    }

    /// Queues `key` now and returns its pending value, without creating a task (gbatchy's `as_future=True`).
    ///
    /// ```swift
    /// let a = users.future(1), b = users.future(2)
    /// let both = try await pget([a, b])   // one batch: [1, 2]
    /// ```
    ///
    /// - Parameter key: The key to load.
    /// - Returns: A future of the key's value.
    @inlinable
    public func future(_ key: Key) -> BatchFuture<Value> {
        let context = BatchContext.current ?? BatchContext()
        return BatchFuture(context: context, slot: context.slot(for: key, in: self))
    }

    /// Loads many keys in one step, without a task per key, and keeps each key's own result.
    ///
    /// ```swift
    /// let results = await users.loadMany([1, 2, 99])
    /// let found = results.compactMap { try? $0.get() }
    /// ```
    ///
    /// - Parameter keys: The keys to load, in any order, duplicates allowed.
    /// - Returns: One result per key, in the order of `keys`. A cancelled task gets `CancellationError` for the keys
    ///   that were not ready.
    @inlinable
    public nonisolated(nonsending) func loadMany(_ keys: some Sequence<Key>) async -> [Result<Value, any Error>] {
        let context = BatchContext.current ?? BatchContext()
        let slots = context.slots(for: Array(keys), in: self)
        await context.waitForCompletion(of: context.pendingStores(of: slots))
        return context.results(of: slots)
    }

    /// Loads many keys and returns their values, or throws the error of the first key that failed.
    ///
    /// ```swift
    /// let team = try await users.loadAll([1, 2, 3])
    /// ```
    ///
    /// - Parameter keys: The keys to load.
    /// - Returns: One value per key, in the order of `keys`.
    /// - Throws: The error of the first failed key, in key order.
    @inlinable
    public nonisolated(nonsending) func loadAll(_ keys: some Sequence<Key>) async throws -> [Value] {
        try await loadMany(keys).map { try $0.get() }
    }

    /// Puts `value` in the current context's cache for `key`, unless the key is already cached.
    ///
    /// Outside any context, or when caching is off, it does nothing.
    ///
    /// ```swift
    /// users.prime(1, User(id: 1, name: "Ann"))
    /// ```
    @inlinable
    public func prime(_ key: Key, _ value: Value) {
        guard let context = BatchContext.current else { return }
        context.state.withLock { state in state.queue(of: self, in: context).state.cache.prime(key, value) }
    }

    /// Removes `key` from the current context's cache, so that the next load fetches it again.
    ///
    /// A batch already running for the key still answers its waiters. In a context that never used the loader it
    /// does nothing: it creates no queue and no statistics entry.
    @inlinable
    public func clear(_ key: Key) {
        BatchContext.current?.state.withLock { state in state.existingQueue(of: self)?.state.cache.clear(key) }
    }

    /// Empties this loader's cache in the current context.
    ///
    /// In a context that never used the loader it does nothing: it creates no queue and no statistics entry.
    @inlinable
    public func clearAll() {
        BatchContext.current?.state.withLock { state in state.existingQueue(of: self)?.state.cache.clearAll() }
    }
}

extension BatchContext {
    /// The distinct stores among `slots` whose batch has not finished.
    @inlinable
    func pendingStores<Value>(of slots: [Slot<Value>]) -> [BatchStore<Value>] {
        state.withLock { _ in
            var stores: [BatchStore<Value>] = []
            var seen: Set<ObjectIdentifier> = []
            for slot in slots where slot.store.outcome.isPending {
                // Keys queued together share a store: most slots repeat the last one.
                if stores.last === slot.store { continue }
                // A few stores are searched in place; past that, a set keeps the search linear in the keys.
                if stores.count < 16 {
                    if !stores.contains(where: { $0 === slot.store }) { stores.append(slot.store) }
                    continue
                }
                if seen.isEmpty { seen = Set(stores.lazy.map { ObjectIdentifier($0) }) }
                if seen.insert(ObjectIdentifier(slot.store)).inserted { stores.append(slot.store) }
            }
            return stores
        }
    }

    /// The results of `slots`, with `CancellationError` for those whose batch has not finished.
    @inlinable
    func results<Value>(of slots: [Slot<Value>]) -> [Result<Value, any Error>] {
        state.withLock { _ in
            slots.map { $0.store.outcome.result(at: $0.index) ?? .failure(CancellationError()) }
        }
    }
}
