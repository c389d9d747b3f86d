import Dispatch

extension BatchContext {
    /// Enqueues a job of one of the context's tasks. Part of `TaskExecutor`; the runtime calls it.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = state.withLock { $0.enqueue(job) }
        if wake { scheduleDrain() }
    }

    /// Starts a drain on the shared thread pool. The caller has counted it in `workers`.
    @usableFromInline
    func scheduleDrain() {
        DispatchQueue.global().async { self.drain() }
    }

    /// Runs jobs until the queue is empty, then dispatches every ready batch, and repeats until there is nothing left
    /// to do. A serial context runs one drain at a time, so its tasks run one at a time, in order; a parallel one runs
    /// up to its `threads` drains at once, each taking one job at a time.
    private func drain() {
        let executor = asUnownedTaskExecutor()
        var running: [UnownedJob] = []
        var runs: [BatchRun] = []
        var finished = 0
        while true {
            switch state.withLock({ $0.nextDrainStep(finished: finished, running: &running, runs: &runs) }) {
            case .run:
                for job in running {
                    job.runSynchronously(on: executor)
                }
                finished = running.count
                running.removeAll(keepingCapacity: true)
            case .dispatch:
                finished = 0
                start(runs)
                runs.removeAll(keepingCapacity: true)
            case .sendBarrier(let actors, let priority, let epoch):
                sendBarrier(through: actors, priority: priority, epoch: epoch)
                return
            case .idle:
                return
            }
        }
    }

    /// Starts one tick's batches: each ungrouped batch in a task of its own, each group's batches together in one
    /// task. Every task runs on this context with the context bound, in a ``HoldScope`` that holds the next tick back
    /// until the batches have answered their waiters.
    private func start(_ runs: [BatchRun]) {
        var groups: [(group: any BatchDispatchGroup, batches: [@Sendable () async -> Void])] = []
        var alone: [@Sendable () async -> Void] = []
        for run in runs {
            guard let group = run.group else {
                alone.append(run.run)
                continue
            }
            if let position = groups.firstIndex(where: { $0.group === group }) {
                groups[position].batches.append(run.run)
            } else {
                groups.append((group, [run.run]))
            }
        }
        // Every scope is open before any task starts, so that no task's end lets the next tick start early. The hold
        // the drain took when it decided to dispatch (`nextDrainStep`) ends once they are: until then no other drain of
        // a parallel context can start a tick.
        let scopes = state.withLock { state in
            state.runningBatchTasks += alone.count + groups.count
            let scopes = (0..<(alone.count + groups.count)).map { _ in state.openScope(in: self, parent: nil) }
            state.holds -= 1
            return scopes
        }
        for (scope, run) in zip(scopes, alone) {
            startTask(in: scope, run)
        }
        for (scope, (group, batches)) in zip(scopes.dropFirst(alone.count), groups) {
            startTask(in: scope) { await group.run(batches) }
        }
    }

    /// Starts a task that runs `work` on this context with the context bound, in `scope`.
    func startTask(in scope: HoldScope, _ work: @escaping @Sendable () async -> Void) {
        Task(executorPreference: self) {
            await BatchContext.$bound.withValue(self) {
                await BatchContext.$holdScope.withValue(scope) { await work() }
            }
            // One lock: the scope closes and the task is no longer counted.
            let (wake, waiter) = self.state.withLock { state in
                let wake = state.close(scope)
                state.runningBatchTasks -= 1
                guard state.runningBatchTasks == 0 else { return (wake, UnsafeContinuation<Void, Never>?.none) }
                defer { state.batchTasksWaiter = nil }
                return (wake, state.batchTasksWaiter)
            }
            if wake { self.scheduleDrain() }
            waiter?.resume()
        }
    }

    /// Returns once every batch task of the context has finished, so that nothing a context started still runs when
    /// ``withBatchContext(_:isolation:_:)`` returns (a tick's read transaction, a batch whose future was dropped).
    ///
    /// A cancelled task returns at once: a cancelled request answers promptly, and its started batches complete on
    /// their own.
    nonisolated(nonsending) func untilBatchTasksFinish() async {
        // Most requests have nothing left running: return without suspending, which would cost a trip through the
        // executor even when the continuation is resumed at once.
        guard state.withLock({ $0.runningBatchTasks > 0 }) else { return }
        await withCancellationHandlerInPlace {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let finished = state.withLock { state in
                    if state.runningBatchTasks == 0 || Task.isCancelled { return true }
                    state.batchTasksWaiter = continuation
                    return false
                }
                if finished { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                defer { state.batchTasksWaiter = nil }
                return state.batchTasksWaiter
            }
            waiter?.resume()
        }
    }
}
