/// One batch ready to run: the work to start when the context dispatches.
@usableFromInline
struct BatchRun: Sendable {
    /// Where the batch runs: alone in a task of its own (`nil`), or with the other batches of the same group.
    @usableFromInline let group: (any BatchDispatchGroup)?
    /// Runs the batch function and finishes the batch's store.
    @usableFromInline let run: @Sendable () async -> Void

    @inlinable
    init(group: (any BatchDispatchGroup)?, run: @escaping @Sendable () async -> Void) {
        self.group = group
        self.run = run
    }
}

/// A set of batches that must run together in one tick, such as every query of one database, which then share one
/// read transaction.
///
/// The context hands a group every batch of the tick that belongs to it, in queue order, and the group decides how to
/// run them. The group's task runs on the context's executor with the context bound, so loads made by the batches
/// join the next tick.
@usableFromInline
package protocol BatchDispatchGroup: AnyObject, Sendable {
    /// Runs one tick's batches of this group and returns when all of them are finished.
    func run(_ batches: [@Sendable () async -> Void]) async
}

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
