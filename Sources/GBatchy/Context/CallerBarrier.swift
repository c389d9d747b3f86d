/// What keeps a context from dispatching while a body of ``withBatchContext(_:isolation:_:)`` still runs on its
/// caller's actor.
///
/// A body called from an actor (the main actor, top-level code, an actor method) is isolated to that actor, so its
/// synchronous stretches run on the actor's executor while the tasks it starts run on the context's. The context's
/// run queue can drain while the body is between two `async let`s, and the first load would go out alone. So before
/// each tick, while such a body is open, the context sends a barrier through each caller's actor: a job that runs
/// only after everything the actor was running or had queued, the body's current stretch included. When the barrier
/// comes back and no job reached the context meanwhile, the body has nothing runnable left on that actor that the
/// tick could miss, and the context dispatches. If jobs arrived, they run first and another barrier goes out.
///
/// Bodies called from nonisolated code run on the context's executor and need no barrier; the barrier costs one
/// short task per tick, and only while an actor-isolated body is open.
@usableFromInline
struct CallerBarrier: Sendable {
    /// The actors of the bodies open in the context, each with the identifier its body was given.
    var callers: [(id: UInt64, actor: any Actor, priority: TaskPriority)] = []
    var nextCallerID: UInt64 = 0
    /// Whether a barrier is on its way through the callers' actors.
    var isInFlight = false
    /// The value of ``ContextState/jobEpoch`` when the last barrier that came back was sent.
    var passedEpoch: UInt64?

    /// Whether a tick may start now, when the context's job epoch is `epoch`.
    func allowsDispatch(atEpoch epoch: UInt64) -> Bool {
        callers.isEmpty || passedEpoch == epoch
    }
}

extension BatchContext {
    /// Records a body of `withBatchContext` isolated to `actor`, open until ``closeCaller(_:)``.
    func openCaller(_ actor: any Actor) -> UInt64 {
        let priority = Task.currentPriority
        return state.withLock { state in
            state.barrier.nextCallerID &+= 1
            state.barrier.callers.append((state.barrier.nextCallerID, actor, priority))
            return state.barrier.nextCallerID
        }
    }

    /// Forgets the body `id`: it has returned.
    func closeCaller(_ id: UInt64) {
        let wake = state.withLock { state in
            state.barrier.callers.removeAll { $0.id == id }
            return state.startDrainIfIdle()
        }
        if wake { scheduleDrain() }
    }

    /// Sends a barrier through `actors`, one after the other, then lets the context dispatch if no job reached it
    /// since `epoch`.
    func sendBarrier(through actors: [any Actor], priority: TaskPriority, epoch: UInt64) {
        // The callers' lowest priority: on an actor that orders its jobs by priority, the barrier goes after the
        // body's jobs already queued there, and it is never starved by work of the callers' own priority.
        Task.detached(priority: priority) {
            for actor in actors {
                await BatchContext.pass(actor)
            }
            let wake = self.state.withLock { state in
                state.barrier.isInFlight = false
                state.barrier.passedEpoch = epoch
                return state.startDrainIfIdle()
            }
            if wake { self.scheduleDrain() }
        }
    }

    /// Runs nothing, on `actor`: returns once the actor has run everything queued on it before.
    private static func pass(_ actor: isolated any Actor) {}
}
