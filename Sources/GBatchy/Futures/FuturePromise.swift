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
        var waiters = WaiterQueue<Waiter<Value>>()
    }

    /// The result if it is there, or a ticket in the line of waiters.
    private enum Check {
        case ready(Result<Value, any Error>)
        case wait(WaiterTicket)
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
            return state.waiters.removeAll()
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
        // The result, or this waiter's ticket, taken under one lock.
        let check = state.withLock { state -> Check in
            if let result = state.result { return .ready(result) }
            return .wait(state.waiters.reserve())
        }
        switch check {
        case .ready(let result):
            return try result.get()
        case .wait(let ticket):
            return try await BatchContext.releasingHold { () async throws -> Value in
                try await suspend(ticket: ticket)
            }
        }
    }

    private func suspend(ticket: WaiterTicket) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
                let immediate: Result<Value, any Error>? = state.withLock { state in
                    if let result = state.result {
                        state.waiters.withdraw(ticket)
                        return result
                    }
                    // Refused when the cancellation handler removed the ticket first.
                    guard state.waiters.register(.value(index: 0, continuation), for: ticket) else {
                        return .failure(CancellationError())
                    }
                    // Counted before `resolve` or the cancellation handler can see the waiter (they take this lock
                    // first), so the context's `waiting` never goes below zero.
                    context?.countWaiterSuspended()
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.remove(ticket) }
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
