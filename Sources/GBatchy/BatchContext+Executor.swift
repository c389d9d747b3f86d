import Dispatch

extension BatchContext {
    /// Enqueues a job of one of the context's tasks. Part of `TaskExecutor`; the runtime calls it.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = state.withLock { state in
            state.jobs.append(job)
            return state.startDrainIfIdle()
        }
        if wake { scheduleDrain() }
    }

    /// Starts a drain on the shared thread pool. The caller has set `isDraining`.
    @usableFromInline
    func scheduleDrain() {
        DispatchQueue.global().async { self.drain() }
    }

    private enum DrainStep {
        case run
        case dispatch
        case idle
    }

    /// Runs jobs until the queue is empty, then dispatches every ready batch, and repeats until there is nothing left
    /// to do. Only one drain runs at a time (`isDraining`), so the context's tasks run one at a time, in order.
    private func drain() {
        let executor = asUnownedTaskExecutor()
        var running: [UnownedJob] = []
        var runs: [BatchRun] = []
        while true {
            let step: DrainStep = state.withLock { state in
                if !state.jobs.isEmpty {
                    swap(&state.jobs, &running)
                    return .run
                }
                if state.holds == 0 && !state.ready.isEmpty {
                    state.takeTick(into: &runs)
                    return .dispatch
                }
                state.isDraining = false
                return .idle
            }
            switch step {
            case .run:
                for job in running {
                    job.runSynchronously(on: executor)
                }
                running.removeAll(keepingCapacity: true)
            case .dispatch:
                start(runs)
                runs.removeAll(keepingCapacity: true)
            case .idle:
                return
            }
        }
    }

    /// Starts one tick's batches: each ungrouped batch in a task of its own, each group's batches together in one
    /// task. Every task runs on this context with the context bound, so its loads join the next tick.
    private func start(_ runs: [BatchRun]) {
        var groups: [(group: any BatchDispatchGroup, batches: [@Sendable () async -> Void])] = []
        for run in runs {
            guard let group = run.group else {
                startTask(run.run)
                continue
            }
            if let position = groups.firstIndex(where: { $0.group === group }) {
                groups[position].batches.append(run.run)
            } else {
                groups.append((group, [run.run]))
            }
        }
        for (group, batches) in groups {
            startTask { await group.run(batches) }
        }
    }

    /// Starts a task that runs on this context with the context bound.
    func startTask(_ work: @escaping @Sendable () async -> Void) {
        Task(executorPreference: self) {
            await BatchContext.$bound.withValue(self) { await work() }
        }
    }
}
