import Synchronization

/// Tells a running batch that nobody waits for it any more: every task that waited for one of its keys was
/// cancelled, and no future or `loadMany` holds one of them.
///
/// The context binds the batch's token (``current``) while the batch function runs. A backend that can stop work
/// registers what stops it (``onAbandon(_:)``): the SQLite adapter interrupts the connection's statement, the
/// PostgreSQL one cancels the statement on the server. The batch then fails; nobody is left to see it.
///
/// `Sendable`: its state is behind a lock.
@usableFromInline
package final class BatchAbandonment: Sendable {
    /// The token of the batch the running task belongs to, or `nil` outside a batch.
    @TaskLocal package static var current: BatchAbandonment?

    private struct State: Sendable {
        var abandoned = false
        var handlers: [Int: @Sendable () -> Void] = [:]
        var next = 0
    }

    private let state = Locked(State())
    /// Set once the batch is abandoned; read without a lock, by SQLite's progress handler among others.
    private let abandoned = Atomic(false)

    /// A token for a batch about to run.
    @usableFromInline
    package init() {}

    /// Runs `body` (the batch function) with this token bound as ``current``.
    @usableFromInline
    func binding<T: Sendable>(_ body: () async -> T) async -> T {
        await Self.$current.withValue(self) { await body() }
    }

    /// Whether the batch was abandoned.
    package var isAbandoned: Bool { abandoned.load(ordering: .acquiring) }

    /// Runs `handler` when the batch is abandoned (at once when it already was), unless the returned registration is
    /// removed first with ``remove(_:)``.
    ///
    /// - Parameter handler: What stops the batch's work; it runs on the thread of the cancelled task, so it must not
    ///   block.
    /// - Returns: The registration, to remove once the work it stops is over.
    package func onAbandon(_ handler: @escaping @Sendable () -> Void) -> Int? {
        let registered: Int? = state.withLock { state in
            guard !state.abandoned else { return nil }
            state.next += 1
            state.handlers[state.next] = handler
            return state.next
        }
        if registered == nil { handler() }
        return registered
    }

    /// Removes a registration: its handler will not run.
    package func remove(_ registration: Int?) {
        guard let registration else { return }
        state.withLock { _ = $0.handlers.removeValue(forKey: registration) }
    }

    /// Marks the batch abandoned and runs every registered handler once.
    @usableFromInline
    func abandon() {
        abandoned.store(true, ordering: .releasing)
        let handlers = state.withLock { state in
            state.abandoned = true
            defer { state.handlers = [:] }
            return Array(state.handlers.values)
        }
        for handler in handlers { handler() }
    }
}
