extension BatchContext {
    /// Suspends the calling task until the batch of `slot` finishes, and returns the slot's result.
    ///
    /// Returns at once when the batch has already finished. When the task is cancelled, it throws
    /// `CancellationError` promptly, while the other waiters of the batch keep waiting for its result.
    @inlinable
    nonisolated(nonsending) func value<Value>(of slot: Slot<Value>) async throws -> Value {
        try await value(of: state.withLock { state in state.check(slot) })
    }

    /// Returns the result of a slot checked by ``ContextState/check(_:)``, suspending when it is not there yet.
    @inlinable
    nonisolated(nonsending) func value<Value>(of check: ReadyOrWaiter<Value>) async throws -> Value {
        switch check {
        case .ready(let result):
            return try result.get()
        case .waiter(let slot, let ticket, mayHoldDispatch: false):
            return try await suspend(on: slot, ticket: ticket)
        case .waiter(let slot, let ticket, mayHoldDispatch: true):
            return try await BatchContext.releasingHold { () async throws -> Value in
                try await suspend(on: slot, ticket: ticket)
            }
        }
    }

    @inlinable
    nonisolated(nonsending) func suspend<Value>(on slot: Slot<Value>, ticket: WaiterTicket) async throws -> Value {
        try await withCancellationHandlerInPlace {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
                let immediate: Result<Value, any Error>? = state.withLock { state in
                    if let result = slot.store.outcome.result(at: slot.index) {
                        slot.store.waiters.withdraw(ticket)
                        return result
                    }
                    // Refused when the cancellation handler removed the ticket first.
                    guard slot.store.waiters.register(.value(index: slot.index, continuation), for: ticket) else {
                        return .failure(CancellationError())
                    }
                    state.waitersSuspended += 1
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            self.cancelWaiter(ticket, in: slot.store)
        }
    }

    /// Suspends the calling task until every store in `stores` has finished, or until the task is cancelled.
    @inlinable
    nonisolated(nonsending) func waitForCompletion<Value>(of stores: [BatchStore<Value>]) async {
        for store in stores {
            if Task.isCancelled { return }
            let ticket = state.withLock { _ in store.outcome.isPending ? store.waiters.reserve() : nil }
            guard let ticket else { continue }
            await BatchContext.releasingHold { await suspend(untilFinished: store, ticket: ticket) }
        }
    }

    @inlinable
    nonisolated(nonsending) func suspend<Value>(untilFinished store: BatchStore<Value>, ticket: WaiterTicket) async {
        await withCancellationHandlerInPlace {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let suspended = state.withLock { state in
                    guard store.outcome.isPending else {
                        store.waiters.withdraw(ticket)
                        return false
                    }
                    guard store.waiters.register(.completion(continuation), for: ticket) else { return false }
                    state.waitersSuspended += 1
                    return true
                }
                if !suspended { continuation.resume() }
            }
        } onCancel: {
            self.cancelWaiter(ticket, in: store)
        }
    }

    /// Calls `callback` with the slot's result when its batch finishes, at once if it has already finished. The
    /// callback runs on the thread that finishes the batch, without a task and without any lock held.
    @inlinable
    func whenFinished<Value>(
        _ slot: Slot<Value>,
        _ callback: @escaping @Sendable (Result<Value, any Error>) -> Void
    ) {
        let ready: Result<Value, any Error>? = state.withLock { _ in
            if let result = slot.store.outcome.result(at: slot.index) { return result }
            slot.store.waiters.append(.callback(index: slot.index, callback))
            return nil
        }
        if let ready { callback(ready) }
    }

    /// Finishes a batch: records its outcome and resumes every waiter, each exactly once.
    ///
    /// - Parameter cleanup: Runs under the context lock once the outcome is recorded, before any waiter resumes.
    @inlinable
    func finish<Value>(
        _ store: BatchStore<Value>,
        with outcome: BatchOutcome<Value>,
        cleanup: () -> Void = {}
    ) {
        let waiters = state.withLock { state in
            store.outcome = outcome
            cleanup()
            let waiters = store.waiters.removeAll()
            state.waitersResumed += waiters.count(where: \.isSuspendedTask)
            return waiters
        }
        for waiter in waiters {
            waiter.resume(with: outcome)
        }
    }

    /// Counts a task suspended on a ``FuturePromise`` of this context in its statistics.
    func countWaiterSuspended() {
        state.withLock { $0.waitersSuspended += 1 }
    }

    /// Counts `count` tasks resumed from a ``FuturePromise`` of this context in its statistics.
    func countWaitersResumed(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.waitersResumed += count }
    }

    /// Resumes a cancelled waiter, unless its batch has already resumed it.
    @inlinable
    func cancelWaiter<Value>(_ ticket: WaiterTicket, in store: BatchStore<Value>) {
        let (waiter, abandoned): (Waiter<Value>?, BatchAbandonment?) = state.withLock { state in
            let waiter = store.waiters.remove(ticket)
            if waiter != nil { state.waitersResumed += 1 }
            // The last waiter of a running batch is gone, and nothing else holds its slots: tell the batch.
            guard store.outcome.isPending, !store.pinned, store.waiters.isIdle, let token = store.abandonment else {
                return (waiter, nil)
            }
            store.abandonment = nil
            return (waiter, token)
        }
        waiter?.resumeCancelled()
        abandoned?.abandon()
    }
}
