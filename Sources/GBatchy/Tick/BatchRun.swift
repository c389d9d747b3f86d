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
