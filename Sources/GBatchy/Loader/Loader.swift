/// A DataLoader: loads values by key, one batch per tick, with a cache scoped to the context.
///
/// Declare a loader once, as a global or a `static let`, and share it across every concurrent request: its queue and
/// its cache live in each ``BatchContext``, never in the loader, so no key or value crosses from one context to
/// another. Within a context, loads issued in the same tick reach the batch function together, each distinct key once,
/// and a key loaded once is served from the cache afterwards.
///
/// ```swift
/// struct User: Sendable { let id: Int; let name: String }
///
/// let users = Loader<Int, User>(name: "users", maxBatchSize: nil, caching: true) { (ids: [Int]) in
///     ids.map { User(id: $0, name: "user \($0)") }    // one value per key, in key order
/// }
///
/// try await withBatchContext {
///     async let ann = users.load(1)
///     async let bob = users.load(2)
///     _ = try await (ann, bob)                           // one batch: [1, 2]
///     _ = try await users.load(1)                        // a cache hit: no batch
/// }
/// ```
///
/// The batch function can also answer with one `Result` per key (``init(name:maxBatchSize:caching:cachesErrors:results:)``),
/// so that one key fails alone, or with a dictionary (``init(name:maxBatchSize:caching:cachesErrors:dictionary:)``),
/// where a missing key fails with ``BatchError/notFound``.
///
/// A load made outside any context runs in a context of its own, as in gbatchy.
///
/// `Loader` is `Sendable`.
public final class Loader<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The loader's name, used in errors and ``BatchStatistics``.
    public var name: String { source.name }
    /// The most keys one batch holds; `nil` for no limit. A value below 1 fails every load with
    /// ``BatchError/invalidMaxBatchSize``. Larger ticks are cut into batches that run concurrently.
    public var maxBatchSize: Int? { source.maxBatchSize }
    /// Whether values stay cached in the context after their batch. Keys asked twice in one tick are fetched once
    /// either way.
    public let caching: Bool
    /// Whether a failed key stays cached, so that loading it again fails again without a batch. Off by default: the
    /// next load of a failed key tries again.
    public let cachesErrors: Bool
    /// The batch function, its name, its limit and its dispatch group.
    @usableFromInline let source: BatchSource<Key, Value>

    private init(
        name: String,
        maxBatchSize: Int?,
        caching: Bool,
        cachesErrors: Bool,
        dispatchGroup: (any BatchDispatchGroup)?,
        body: BatchSource<Key, Value>.Body
    ) {
        self.caching = caching
        self.cachesErrors = cachesErrors
        self.source = BatchSource(name: name, maxBatchSize: maxBatchSize, dispatchGroup: dispatchGroup, body: body)
    }

    /// Creates a loader whose batch function returns one value per key, in the order of the keys.
    ///
    /// A batch function that returns a different number of values fails every key of the batch with
    /// ``BatchError/wrongResultCount``; one that throws fails every key with its error. Neither is cached.
    ///
    /// - Parameters:
    ///   - name: The loader's name, for errors and statistics.
    ///   - maxBatchSize: The most keys in one batch, or `nil` for no limit.
    ///   - caching: Whether loaded values stay cached in the context.
    ///   - cachesErrors: Whether failed keys stay cached too.
    ///   - batch: Loads the values of distinct keys.
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        caching: Bool = true,
        cachesErrors: Bool = false,
        _ batch: @escaping @Sendable ([Key]) async throws -> [Value]
    ) {
        self.init(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            dispatchGroup: nil,
            body: .values(batch)
        )
    }

    /// Creates a loader whose batch function returns one `Result` per key, so that keys fail one by one.
    ///
    /// ```swift
    /// let halves = Loader<Int, Int>(name: "halves", results: { keys in
    ///     keys.map { $0 % 2 == 0 ? .success($0 / 2) : .failure(CancellationError()) }
    /// })
    /// ```
    ///
    /// - Parameters:
    ///   - name: The loader's name, for errors and statistics.
    ///   - maxBatchSize: The most keys in one batch, or `nil` for no limit.
    ///   - caching: Whether loaded values stay cached in the context.
    ///   - cachesErrors: Whether failed keys stay cached too.
    ///   - results: Loads the values of distinct keys, one result per key in key order.
    @_disfavoredOverload
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        caching: Bool = true,
        cachesErrors: Bool = false,
        results: @escaping @Sendable ([Key]) async throws -> [Result<Value, any Error>]
    ) {
        self.init(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            dispatchGroup: nil,
            body: .results(results)
        )
    }

    /// Creates a loader whose batch function returns a dictionary; a key missing from it fails with
    /// ``BatchError/notFound``.
    ///
    /// ```swift
    /// let names = Loader<Int, String>(name: "names", dictionary: { ids in
    ///     Dictionary(uniqueKeysWithValues: ids.filter { $0 < 100 }.map { ($0, "user \($0)") })
    /// })
    /// ```
    ///
    /// - Parameters:
    ///   - name: The loader's name, for errors and statistics.
    ///   - maxBatchSize: The most keys in one batch, or `nil` for no limit.
    ///   - caching: Whether loaded values stay cached in the context.
    ///   - cachesErrors: Whether failed keys (including missing ones) stay cached too.
    ///   - dictionary: Loads the values of distinct keys, by key.
    @_disfavoredOverload
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        caching: Bool = true,
        cachesErrors: Bool = false,
        dictionary: @escaping @Sendable ([Key]) async throws -> [Key: Value]
    ) {
        self.init(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            dispatchGroup: nil,
            body: .results { keys in
                let values = try await dictionary(keys)
                return keys.map { key in
                    values[key].map { .success($0) } ?? .failure(BatchError.notFound(loader: name, key: key))
                }
            }
        )
    }

    /// Creates a loader whose batches run together with the other batches of `dispatchGroup` in each tick.
    package convenience init(
        name: String,
        maxBatchSize: Int?,
        caching: Bool,
        cachesErrors: Bool,
        dispatchGroup: any BatchDispatchGroup,
        results: @escaping @Sendable ([Key]) async throws -> [Result<Value, any Error>]
    ) {
        self.init(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: cachesErrors,
            dispatchGroup: dispatchGroup,
            body: .results(results)
        )
    }
}

extension Loader: QueueOwner {
    @inlinable
    func makeCache(expectedCount: Int) -> LoaderCache<Key, Value> {
        LoaderCache(caching: caching, cachesErrors: cachesErrors, expectedCount: expectedCount)
    }
}
