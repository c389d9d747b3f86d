/// Work that holds back the context's next tick while it runs: a dispatched batch, or a
/// ``BatchContext/holdingDispatch(isolation:_:)`` scope.
///
/// A scope holds dispatch while it is open and none of its tasks waits for a batch. Its tasks are the task that opened
/// it and every task that inherits it (child tasks, `async let`, ``spawn(priority:_:)``): when any of them waits for
/// a batch (`load`, a future, ``pget(_:)-(Items)``, a ``BatchTask``), the scope's work is blocked on the next tick,
/// so it lets go until that wait ends. A scope therefore never holds back the tick it is itself waiting for.
///
/// Every batch of a tick runs in a scope of its own, opened when the tick is taken and closed once the batch has
/// answered its waiters. That makes ticks rounds: the next tick waits until every batch of the current one has
/// answered (or is waiting for a load of its own) and the tasks it woke have run, whatever the order in which the
/// batches finish.
///
/// `@unchecked Sendable`: `waiting` and `isOpen` are read and written only under the lock of `context`.
@usableFromInline
final class HoldScope: @unchecked Sendable {
    @usableFromInline let context: BatchContext
    /// The scope this one was opened in, in the same context: a wait releases it too.
    @usableFromInline let parent: HoldScope?
    /// How many of the scope's tasks are waiting for a batch. Guarded by the context's lock.
    @exclusivity(unchecked) @usableFromInline var waiting = 0
    /// Whether the scope is still open. Guarded by the context's lock.
    @exclusivity(unchecked) @usableFromInline var isOpen = true

    /// Makes an open scope. Call it under the context's lock and count it in ``ContextState/holds``.
    init(context: BatchContext, parent: HoldScope?) {
        self.context = context
        self.parent = parent.flatMap { $0.context === context ? $0 : nil }
    }

    /// Whether the scope holds dispatch back. Guarded by the context's lock.
    @usableFromInline var isHolding: Bool { isOpen && waiting == 0 }
}

extension ContextState {
    /// Opens a scope that holds dispatch back until it closes or waits.
    mutating func openScope(in context: BatchContext, parent: HoldScope?) -> HoldScope {
        holds += 1
        return HoldScope(context: context, parent: parent)
    }

    /// Closes `scope`: it no longer holds dispatch back.
    ///
    /// - Returns: whether the caller must schedule a drain.
    mutating func close(_ scope: HoldScope) -> Bool {
        if scope.isHolding { holds -= 1 }
        scope.isOpen = false
        return startDrainIfIdle()
    }

    /// A task of `scope` starts waiting for a batch: the scope and the scopes it was opened in let go.
    ///
    /// - Returns: whether the caller must schedule a drain.
    @usableFromInline
    mutating func beginWait(in scope: HoldScope) -> Bool {
        var next: HoldScope? = scope
        while let scope = next {
            if scope.isHolding { holds -= 1 }
            scope.waiting += 1
            next = scope.parent
        }
        return startDrainIfIdle()
    }

    /// A task of `scope` is done waiting: the scopes hold dispatch back again.
    @usableFromInline
    mutating func endWait(in scope: HoldScope) {
        var next: HoldScope? = scope
        while let scope = next {
            scope.waiting -= 1
            if scope.isHolding { holds += 1 }
            next = scope.parent
        }
    }
}

extension BatchContext {
    /// The innermost scope that holds dispatch back, opened by the running task or inherited from its parent.
    @TaskLocal @usableFromInline static var holdScope: HoldScope?

    /// Runs `wait`, letting the running task's scope release dispatch in the meantime: work that waits for a batch
    /// never holds that batch back.
    @inlinable
    nonisolated(nonsending) static func releasingHold<T, E: Error>(_ wait: () async throws(E) -> T) async throws(E) -> T
    {
        guard let scope = holdScope else { return try await wait() }
        let context = scope.context
        let wake = context.state.withLock { $0.beginWait(in: scope) }
        if wake { context.scheduleDrain() }
        defer { context.state.withLock { $0.endWait(in: scope) } }
        return try await wait()
    }

    /// Closes `scope`, which no longer holds dispatch back.
    func close(_ scope: HoldScope) {
        let wake = state.withLock { $0.close(scope) }
        if wake { scheduleDrain() }
    }
}
