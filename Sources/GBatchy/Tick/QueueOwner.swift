/// A ``Loader`` or a ``BatchFunction``: what owns a ``BatchQueue`` in each context.
@usableFromInline
protocol QueueOwner<Cache>: AnyObject, Sendable {
    associatedtype Cache: QueueCache

    /// The batch function and its settings, shared by the queues of every context.
    var source: BatchSource<Cache.Key, Cache.Value> { get }

    /// An empty cache for a new queue, sized for `expectedCount` keys.
    func makeCache(expectedCount: Int) -> Cache
}
