/// Counters for one context: what it dispatched and what it served from its cache.
///
/// Read them from ``BatchContext/statistics``. They are exact, so tests can assert them.
///
/// ```swift
/// try await withBatchContext {
///     async let a = users.load(1)
///     async let b = users.load(2)
///     _ = try await (a, b)
///     let stats = BatchContext.current!.statistics
///     #expect(stats.ticks == 1)
///     #expect(stats["users"].batchSizes == [2])
/// }
/// ```
///
/// `BatchStatistics` is a `Sendable` value.
public struct BatchStatistics: Sendable, Hashable, CustomStringConvertible {
    /// The number of ticks: rounds in which the context dispatched its pending batches.
    public var ticks: Int
    /// The counters of each loader and batch function, by name. Two loaders with the same name share an entry.
    public var loaders: [String: LoaderStatistics] = [:]
    /// The number of times a task suspended on a batch: awaiting a key's value (`load`, a future, a batch function
    /// call), the batches of a `loadMany`, or a future made with `map` or `flatMap`. Awaiting a task (a
    /// ``BatchTask``, the tasks of ``pmap(_:_:)`` or ``wait(_:count:)``) is not counted: the waits of the awaited
    /// task are, so that each wait on a batch counts once.
    public var waitersSuspended: Int
    /// The number of times a suspended task was resumed, by a result or by cancellation. Equal to
    /// ``waitersSuspended`` once nothing waits: a difference after the work is done is a leaked continuation.
    public var waitersResumed: Int

    /// The counters of the loader or batch function called `name`; zero when it never ran in this context.
    public subscript(name: String) -> LoaderStatistics {
        loaders[name] ?? LoaderStatistics()
    }

    /// Tasks waiting for a batch right now.
    public var waiting: Int { waitersSuspended - waitersResumed }

    /// Batches dispatched, over every loader.
    public var batches: Int { loaders.values.reduce(0) { $0 + $1.batches } }

    /// Loads issued, over every loader.
    public var loads: Int { loaders.values.reduce(0) { $0 + $1.loads } }

    /// Loads answered without adding a key to a batch, over every loader.
    public var cacheHits: Int { loaders.values.reduce(0) { $0 + $1.cacheHits } }

    public var description: String {
        let perLoader = loaders.keys.sorted().map { "\($0): \(loaders[$0]!)" }.joined(separator: "; ")
        return "ticks: \(ticks), waiters: \(waitersSuspended) suspended / \(waitersResumed) resumed; \(perLoader)"
    }
}
