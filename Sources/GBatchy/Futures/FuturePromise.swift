/// A single value that arrives later: the storage of a future derived with `map` or `flatMap`.
///
/// Unlike a batch store it belongs to no context, so it has a lock of its own. Its waiters are resumed exactly once,
/// by the value or by cancellation, whichever removes them first.
///
/// The tasks that wait here are counted in the statistics of ``context`` (``BatchStatistics/waitersSuspended`` and
/// ``BatchStatistics/waitersResumed``), as waits on a batch store are counted in its context's. Lock order: this
/// promise's lock, then the context's; never the other way round (the context never calls into a promise while it
/// holds its lock: callbacks run after it is released).
@usableFromInline
final class FuturePromise<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiters: [Waiter<Value>] = []
        var nextWaiterID: UInt64 = 0
    }

    private let state = Locked(State())

    /// The context whose statistics count the tasks waiting here: that of the batch the value derives from. Weak: a
    /// promise does not keep a context alive, and nobody reads the statistics of a context that is gone.
    weak let context: BatchContext?

    /// Creates a promise whose waits count in the statistics of `context` (none when `nil`).
    init(context: BatchContext?) {
        self.context = context
    }

    /// Sets the result, once; later calls are ignored.
    func resolve(_ result: Result<Value, any Error>) {
        let waiters: [Waiter<Value>] = state.withLock { state in
            guard state.result == nil else { return [] }
            state.result = result
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        context?.countWaitersResumed(waiters.count(where: \.isSuspendedTask))
        for waiter in waiters {
            waiter.resume(with: result)
        }
    }

    /// The result, if it has arrived.
    var result: Result<Value, any Error>? {
        state.withLock { $0.result }
    }

    /// Waits for the result.
    @usableFromInline
    func value() async throws -> Value {
        // The result, or this waiter's identifier, taken under one lock so that no two waiters share one.
        let (ready, id) = state.withLock { state -> (Result<Value, any Error>?, UInt64) in
            if let result = state.result { return (result, 0) }
            state.nextWaiterID &+= 1
            return (nil, state.nextWaiterID)
        }
        if let ready { return try ready.get() }
        return try await BatchContext.releasingHold { () async throws -> Value in try await suspend(waiterID: id) }
    }

    private func suspend(waiterID id: UInt64) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
                let immediate: Result<Value, any Error>? = state.withLock { state in
                    if let result = state.result { return result }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(.value(id: id, index: 0, continuation))
                    // Counted before `resolve` or the cancellation handler can see the waiter (they take this lock
                    // first), so the context's `waiting` never goes below zero.
                    context?.countWaiterSuspended()
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeWaiter(id: id) }
            guard let waiter else { return }
            context?.countWaitersResumed(1)
            waiter.resumeCancelled()
        }
    }

    /// Calls `callback` with the result when it arrives, at once if it is there.
    func whenFinished(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        let ready: Result<Value, any Error>? = state.withLock { state in
            if let result = state.result { return result }
            state.waiters.append(.callback(index: 0, callback))
            return nil
        }
        if let ready { callback(ready) }
    }
}
