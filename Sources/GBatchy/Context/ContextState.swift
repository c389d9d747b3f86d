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

/// The mutable state of a ``BatchContext``, guarded by its lock.
@usableFromInline
struct ContextState {
    /// Jobs waiting to run on the context's executor, in arrival order.
    var jobs: [UnownedJob] = []
    /// Counts the jobs enqueued so far: a barrier is valid only while it has not changed.
    var jobEpoch: UInt64 = 0
    /// The bodies open on their callers' actors, and the barrier that lets a tick start while they are.
    var barrier = CallerBarrier()
    /// Whether a drain is scheduled or running. At most one drain runs at a time, which makes the context's
    /// executor serial.
    var isDraining = false
    /// The number of open scopes that hold dispatch back (``HoldScope``): the batches of the current tick still
    /// running, and the ``BatchContext/holdingDispatch(isolation:_:)`` scopes, none of whose tasks waits for a batch.
    /// Dispatch waits while it is not zero.
    @usableFromInline var holds = 0
    /// The batch tasks started and not finished yet.
    var runningBatchTasks = 0
    /// The outermost ``withBatchContext(isolation:_:)`` call, waiting for the running batch tasks to finish.
    var batchTasksWaiter: UnsafeContinuation<Void, Never>?
    /// Queues with keys for the next tick, in the order their first key arrived.
    @usableFromInline var ready: [any ContextQueue] = []
    /// Every loader's and batch function's queue in this context, keyed by the identity of the loader object. The
    /// queue keeps its loader alive, so the identifier cannot be reused while the context lives.
    @usableFromInline var queues: [ObjectIdentifier: any ContextQueue] = [:]
    /// Queues in the order they were created, for statistics.
    var queueOrder: [any ContextQueue] = []
    /// The number of dispatch rounds so far.
    var ticks = 0
    /// Tasks suspended on a batch so far.
    @usableFromInline var waitersSuspended = 0
    /// Tasks resumed from a batch so far, by a result or by cancellation.
    @usableFromInline var waitersResumed = 0

    /// Marks `queue` as having keys for the next tick.
    ///
    /// - Returns: whether the caller must schedule a drain because the context is idle.
    @usableFromInline
    mutating func markReady(_ queue: any ContextQueue) -> Bool {
        ready.append(queue)
        return startDrainIfIdle()
    }

    /// Marks the context as draining when it is idle and has something to do.
    ///
    /// - Returns: whether the caller must schedule a drain.
    mutating func startDrainIfIdle() -> Bool {
        guard !isDraining else { return false }
        guard !jobs.isEmpty || (holds == 0 && !ready.isEmpty && !barrier.isInFlight) else { return false }
        isDraining = true
        return true
    }

    /// The next step of a drain: run the queued jobs, start a tick, send a barrier through the callers' actors, or
    /// stop. Stopping (and sending a barrier) ends the drain.
    mutating func nextDrainStep(running: inout [UnownedJob], runs: inout [BatchRun]) -> DrainStep {
        if !jobs.isEmpty {
            swap(&jobs, &running)
            return .run
        }
        if holds == 0 && !ready.isEmpty {
            if barrier.allowsDispatch(atEpoch: jobEpoch) {
                barrier.passedEpoch = nil
                takeTick(into: &runs)
                return .dispatch
            }
            if !barrier.isInFlight {
                barrier.isInFlight = true
                isDraining = false
                let priority = barrier.callers.map(\.priority).min() ?? .medium
                return .sendBarrier(barrier.callers.map(\.actor), priority: priority, epoch: jobEpoch)
            }
        }
        isDraining = false
        return .idle
    }

    /// Takes every ready queue's batches for one tick.
    mutating func takeTick(into runs: inout [BatchRun]) {
        ticks += 1
        let queues = ready
        ready.removeAll(keepingCapacity: true)
        for queue in queues {
            queue.takeReadyBatches(into: &runs)
        }
    }

    /// Registers a queue created for a loader.
    @usableFromInline
    mutating func register(_ queue: any ContextQueue, for owner: ObjectIdentifier) {
        queues[owner] = queue
        queueOrder.append(queue)
    }
}

/// `@unchecked Sendable`, argued: the one state behind a ``Locked`` that the compiler cannot check, because it holds
/// the context's loader and batch-function queues (`any ContextQueue`), which are mutable classes and not `Sendable`.
/// It is safe because:
/// - A `ContextState` exists only as the state of its context's lock (`BatchContext.state`). Every use reaches it
///   through ``Locked/withLock(_:)`` as `inout`, and no `withLock` body returns it, a copy of it, or one of its
///   queues: they return counters, slots, flags and ``BatchRun``s.
/// - The queues are reachable only from it, so they are touched only while that lock is held (``ContextQueue``'s
///   rule). A ``BatchRun`` that outlives the lock captures a ``LoaderQueue``, which is `@unchecked Sendable` and goes
///   back through the lock (`BatchContext.finish(_:with:cleanup:)`) to touch its fields, or, for a ``BatchFunction``,
///   only the function and the context, never its queue.
/// So the lock serializes every access to everything the state references, and the state never crosses a thread any
/// other way.
extension ContextState: @unchecked Sendable {}
