/// Counters for one loader or batch function in one context.
///
/// `LoaderStatistics` is a `Sendable` value.
public struct LoaderStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Keys asked for: one per `load`, `future` or call, and one per key of `loadMany`.
    public var loads: Int = 0
    /// Loads answered by a key already loaded, or already queued, in this context: no key was added to a batch.
    public var cacheHits: Int = 0
    /// The number of keys of each batch, in dispatch order.
    public var batchSizes: [Int] = []

    /// The number of batches dispatched.
    public var batches: Int { batchSizes.count }

    /// The number of keys sent to the batch function, over every batch.
    public var keys: Int { batchSizes.reduce(0, +) }

    /// Creates counters, empty by default.
    public init(loads: Int = 0, cacheHits: Int = 0, batchSizes: [Int] = []) {
        self.loads = loads
        self.cacheHits = cacheHits
        self.batchSizes = batchSizes
    }

    mutating func add(_ other: LoaderStatistics) {
        loads += other.loads
        cacheHits += other.cacheHits
        batchSizes += other.batchSizes
    }

    public var description: String {
        "\(loads) loads, \(cacheHits) cache hits, batches \(batchSizes)"
    }
}
