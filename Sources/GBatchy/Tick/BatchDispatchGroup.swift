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
