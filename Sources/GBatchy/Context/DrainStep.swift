/// What a drain of the context does next.
enum DrainStep {
    /// Run the jobs taken from the queue.
    case run
    /// Start the tick's batches taken from the ready queues.
    case dispatch
    /// Send a barrier through these actors before the tick may start (``CallerBarrier``); the drain ends.
    case sendBarrier([any Actor], priority: TaskPriority, epoch: UInt64)
    /// Nothing to do; the drain ends.
    case idle
}
