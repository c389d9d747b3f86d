/// The state a loader or batch function keeps inside one context: its queue of keys, its cache and its counters.
///
/// Every member is called while holding the context lock.
@usableFromInline
protocol ContextQueue: AnyObject {
    /// The name of the loader, for statistics.
    var name: String { get }
    /// Seals every open batch and appends the runs that start them.
    func takeReadyBatches(into runs: inout [BatchRun])
    /// Counters for ``BatchStatistics``.
    var statistics: LoaderStatistics { get }
}
