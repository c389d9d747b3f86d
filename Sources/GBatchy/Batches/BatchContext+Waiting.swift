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
        case .waiter(let slot, let id, mayHoldDispatch: false):
            return try await suspend(on: slot, waiterID: id)
        case .waiter(let slot, let id, mayHoldDispatch: true):
            return try await BatchContext.releasingHold { () async throws -> Value in
                try await suspend(on: slot, waiterID: id)
            }
        }
    }

    @inlinable
    nonisolated(nonsending) func suspend<Value>(on slot: Slot<Value>, waiterID id: UInt64) async throws -> Value {
        try await withCancellationHandlerInPlace {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
                let immediate: Result<Value, any Error>? = state.withLock { state in
                    if let result = slot.store.outcome.result(at: slot.index) { return result }
                    // Cancelled before the waiter was added: the cancellation handler found nothing to resume.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    slot.store.waiters.append(.value(id: id, index: slot.index, continuation))
                    state.waitersSuspended += 1
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            self.cancelWaiter(id, in: slot.store)
        }
    }

    /// Suspends the calling task until every store in `stores` has finished, or until the task is cancelled.
    @inlinable
    nonisolated(nonsending) func waitForCompletion<Value>(of stores: [BatchStore<Value>]) async {
        for store in stores {
            if Task.isCancelled { return }
            let id: UInt64? = state.withLock { state in store.outcome.isPending ? state.makeWaiterID() : nil }
            guard let id else { continue }
            await BatchContext.releasingHold { await suspend(untilFinished: store, waiterID: id) }
        }
    }

    @inlinable
    nonisolated(nonsending) func suspend<Value>(untilFinished store: BatchStore<Value>, waiterID id: UInt64) async {
        await withCancellationHandlerInPlace {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let suspended = state.withLock { state in
                    guard store.outcome.isPending, !Task.isCancelled else { return false }
                    store.waiters.append(.completion(id: id, continuation))
                    state.waitersSuspended += 1
                    return true
                }
                if !suspended { continuation.resume() }
            }
        } onCancel: {
            self.cancelWaiter(id, in: store)
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
            let waiters = store.waiters
            store.waiters = []
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
    func cancelWaiter<Value>(_ id: UInt64, in store: BatchStore<Value>) {
        let waiter: Waiter<Value>? = state.withLock { state in
            guard let waiter = store.waiters.removeWaiter(id: id) else { return nil }
            state.waitersResumed += 1
            return waiter
        }
        waiter?.resumeCancelled()
    }
}
