/// The mutable state of a ``BatchContext``, guarded by its lock.
@usableFromInline
struct ContextState {
    /// Jobs waiting to run on the context's executor, in arrival order, from `jobHead` on.
    var jobs: [UnownedJob] = []
    /// The index in `jobs` of the next job to run: a parallel context takes one job at a time from the front.
    var jobHead = 0
    /// The most jobs that run at once: 1 for a serial context (``BatchExecution``).
    let threads: Int
    /// The drains (worker loops) scheduled or running: at most `threads`.
    var workers = 0
    /// The jobs taken from the queue and not finished yet. Dispatch waits for them.
    var runningJobs = 0
    /// Counts the jobs enqueued so far: a barrier is valid only while it has not changed.
    var jobEpoch: UInt64 = 0
    /// The bodies open on their callers' actors, and the barrier that lets a tick start while they are.
    var barrier = CallerBarrier()
    /// The number of open scopes that hold dispatch back (``HoldScope``): the batches of the current tick still
    /// running, and the ``BatchContext/holdingDispatch(isolation:_:)`` scopes, none of whose tasks waits for a batch.
    /// Dispatch waits while it is not zero.
    @usableFromInline var holds = 0
    /// The batch tasks started and not finished yet.
    var runningBatchTasks = 0
    /// The outermost ``withBatchContext(_:isolation:_:)`` call, waiting for the running batch tasks to finish.
    var batchTasksWaiter: UnsafeContinuation<Void, Never>?
    /// Queues with keys for the next tick, in the order their first key arrived.
    @usableFromInline var ready: [any ContextQueue] = []
    /// Every loader's and batch function's queue in this context, keyed by the identity of its ``BatchSource``. The
    /// queue keeps its source alive, so the identifier cannot be reused while the context lives.
    @usableFromInline var queues: [ObjectIdentifier: any ContextQueue] = [:]
    /// Queues in the order they were created, for statistics.
    var queueOrder: [any ContextQueue] = []
    /// The number of dispatch rounds so far.
    var ticks = 0
    /// Tasks suspended on a batch so far.
    @usableFromInline var waitersSuspended = 0
    /// Tasks resumed from a batch so far, by a result or by cancellation.
    @usableFromInline var waitersResumed = 0

    init(threads: Int) { self.threads = threads }

    /// Whether jobs wait in the queue.
    var hasQueuedJobs: Bool { jobHead < jobs.count }

    /// Queues a job of one of the context's tasks.
    ///
    /// - Returns: whether the caller must schedule a drain: the context was idle, or (parallel) every running drain is
    ///   busy with a job and another thread may run.
    mutating func enqueue(_ job: UnownedJob) -> Bool {
        jobs.append(job)
        jobEpoch &+= 1
        if workers == 0 || (workers < threads && jobs.count - jobHead > workers - runningJobs) {
            workers += 1
            return true
        }
        return false
    }

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
        guard workers == 0 else { return false }
        guard hasQueuedJobs || (holds == 0 && !ready.isEmpty && !barrier.isInFlight) else { return false }
        workers = 1
        return true
    }

    /// The next step of a drain, which has finished `finished` jobs since its last step: run jobs taken from the
    /// queue (all of them in a serial context, one in a parallel one), start a tick, send a barrier through the
    /// callers' actors, or stop. Stopping (and sending a barrier) ends the drain.
    ///
    /// A tick starts only when no job is queued or running and no scope holds dispatch back, whatever the number of
    /// threads: the drain that finishes the last running job is the one that finds the context blocked.
    mutating func nextDrainStep(finished: Int, running: inout [UnownedJob], runs: inout [BatchRun]) -> DrainStep {
        runningJobs -= finished
        if hasQueuedJobs {
            if threads == 1 {
                swap(&jobs, &running)
                jobHead = 0
            } else {
                // A fair share of what is queued, so that the other threads find work too without a trip through
                // the lock per job.
                let share = max(1, (jobs.count - jobHead) / threads)
                running.append(contentsOf: jobs[jobHead..<(jobHead + share)])
                jobHead += share
                if jobHead == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    jobHead = 0
                }
            }
            runningJobs += running.count
            return .run
        }
        if runningJobs == 0 && holds == 0 && !ready.isEmpty {
            if barrier.allowsDispatch(atEpoch: jobEpoch) {
                barrier.passedEpoch = nil
                takeTick(into: &runs)
                // Held until the tick's scopes are open (`BatchContext.start`), so that no other drain starts a tick
                // in between.
                holds += 1
                return .dispatch
            }
            if !barrier.isInFlight {
                barrier.isInFlight = true
                workers -= 1
                let priority = barrier.callers.map(\.priority).min() ?? .medium
                return .sendBarrier(barrier.callers.map(\.actor), priority: priority, epoch: jobEpoch)
            }
        }
        workers -= 1
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
///   rule). A ``BatchRun`` that outlives the lock captures a ``BatchQueue``, which is `@unchecked Sendable` and goes
///   back through the lock (`BatchContext.finish(_:with:cleanup:)`) to touch its state.
/// So the lock serializes every access to everything the state references, and the state never crosses a thread any
/// other way.
extension ContextState: @unchecked Sendable {}
