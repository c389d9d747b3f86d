/// A typed front of a ``Loader``: the loading API of a loader whose callers' keys are not the core loader's keys.
///
/// A type that conforms names its core ``loader`` and how a caller's key becomes one of the loader's keys; it gets
/// `load`, `future`, `loadMany`, `loadAll`, `prime`, `clear` and `clearAll` with the core loader's semantics (one batch
/// per tick, the context's cache, deduplication by the loader's key). Every table loader of GBatchySQL is one: a
/// shape adds its statement and its answers, not a copy of this API. Use it for your own typed loaders too:
///
/// ```swift
/// struct UserID: Sendable { let raw: Int }
///
/// final class UsersByID: KeyedLoader {
///     let loader = Loader<Int, String>(name: "users") { ids in ids.map { "user \($0)" } }
///     func loaderKey(_ key: UserID) -> Int { key.raw }
/// }
///
/// let users = UsersByID()
/// let name = try await withBatchContext { try await users.load(UserID(raw: 7)) }   // "user 7"
/// ```
public protocol KeyedLoader<Key, Value>: Sendable {
    /// The key a caller loads with.
    associatedtype Key
    /// The core loader's key: how keys are told apart, in a batch and in the cache.
    associatedtype LoaderKey: Hashable & Sendable
    /// What each key loads.
    associatedtype Value: Sendable

    /// The core loader underneath: use it with ``BatchStatistics`` or other GBatchy helpers.
    var loader: Loader<LoaderKey, Value> { get }

    /// The core loader's key for a caller's `key`.
    ///
    /// - Parameter key: A caller's key.
    /// - Returns: The key the core loader batches and caches under.
    func loaderKey(_ key: Key) -> LoaderKey
}

extension KeyedLoader {
    /// Loads the value of `key`.
    ///
    /// Inside a context the key joins the tick's batch; a key loaded before in the context comes from its cache.
    ///
    /// ```swift
    /// let user = try await users.load(UserID(raw: 1))
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: The key's value.
    /// - Throws: What the batch throws for the key, or `CancellationError`.
    @inlinable
    public nonisolated(nonsending) func load(_ key: Key) async throws -> Value {
        try await loader.load(loaderKey(key))
    }

    /// Queues `key` now and returns its pending value, without creating a task.
    ///
    /// ```swift
    /// let a = users.future(UserID(raw: 1)), b = users.future(UserID(raw: 2))
    /// let both = try await pget([a, b])
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: A future of the key's value.
    @inlinable
    public func future(_ key: Key) -> BatchFuture<Value> {
        loader.future(loaderKey(key))
    }

    /// Loads many keys in one tick and keeps each key's own result.
    ///
    /// ```swift
    /// let results = await users.loadMany([UserID(raw: 1), UserID(raw: 2)])
    /// ```
    ///
    /// - Parameter keys: The keys, duplicates allowed.
    /// - Returns: One result per key, in the order of `keys`.
    @inlinable
    public nonisolated(nonsending) func loadMany(_ keys: some Sequence<Key>) async -> [Result<Value, any Error>] {
        await loader.loadMany(keys.map { loaderKey($0) })
    }

    /// Loads many keys in one tick and returns their values.
    ///
    /// ```swift
    /// let names = try await users.loadAll([UserID(raw: 1), UserID(raw: 2)])
    /// ```
    ///
    /// - Parameter keys: The keys.
    /// - Returns: One value per key, in the order of `keys`.
    /// - Throws: The error of the first failed key.
    @inlinable
    public nonisolated(nonsending) func loadAll(_ keys: some Sequence<Key>) async throws -> [Value] {
        try await loader.loadAll(keys.map { loaderKey($0) })
    }

    /// Puts `value` in the current context's cache for `key`, unless the key is cached already.
    ///
    /// ```swift
    /// users.prime(UserID(raw: 1), "alice")
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - value: Its value.
    @inlinable
    public func prime(_ key: Key, _ value: Value) {
        loader.prime(loaderKey(key), value)
    }

    /// Removes `key` from the current context's cache.
    ///
    /// ```swift
    /// users.clear(UserID(raw: 1))
    /// ```
    ///
    /// - Parameter key: The key.
    @inlinable
    public func clear(_ key: Key) {
        loader.clear(loaderKey(key))
    }

    /// Empties this loader's cache in the current context.
    ///
    /// ```swift
    /// users.clearAll()
    /// ```
    @inlinable
    public func clearAll() {
        loader.clearAll()
    }
}
