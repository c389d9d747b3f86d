import Foundation
import GBatchy

/// The reader connections of a database and the tasks waiting for one.
///
/// A task acquires a free reader, runs its job on that reader's thread and releases it. When every reader is busy,
/// tasks wait in FIFO order on a continuation (no polling). A task cancelled while waiting gets `CancellationError`.
/// `Sendable`: all state lives in a ``Locked``.
final class ReaderPool: Sendable {
    let readers: [ConnectionThread]

    private typealias Waiter = CheckedContinuation<ConnectionThread, any Error>

    private struct State {
        var free: [ConnectionThread]
        var waiters = WaiterQueue<Waiter>()
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A free reader, or a ticket in the line of waiters.
    private enum FreeOrTicket {
        case free(ConnectionThread)
        case wait(WaiterTicket)
    }

    private let state: Locked<State>

    init(readers: [ConnectionThread]) {
        // An invariant, not input: the database makes a pool only when it opened at least one reader.
        precondition(!readers.isEmpty)
        self.readers = readers
        state = Locked(State(free: readers))
    }

    func acquire() async throws -> ConnectionThread {
        let fast = state.withLock { state -> FreeOrTicket in
            if let reader = state.free.popLast() { return .free(reader) }
            return .wait(state.waiters.reserve())
        }
        let ticket: WaiterTicket
        switch fast {
        case .free(let reader): return reader
        case .wait(let reserved): ticket = reserved
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let immediate: Result<ConnectionThread, any Error>? = state.withLock { state in
                    guard let reader = state.free.popLast() else {
                        // Refused when the cancellation handler removed the ticket first.
                        let waits = state.waiters.register(continuation, for: ticket)
                        return waits ? nil : .failure(CancellationError())
                    }
                    guard state.waiters.withdraw(ticket) else {
                        state.free.append(reader)
                        return .failure(CancellationError())
                    }
                    return .success(reader)
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.remove(ticket) }?.resume(throwing: CancellationError())
        }
    }

    func release(_ reader: ConnectionThread) {
        let (waiter, drained): (Waiter?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            if let waiter = state.waiters.popFirst() { return (waiter, []) }
            state.free.append(reader)
            guard state.free.count == readers.count else { return (nil, []) }
            defer { state.drainWaiters = [] }
            return (nil, state.drainWaiters)
        }
        waiter?.resume(returning: reader)
        for continuation in drained { continuation.resume() }
    }

    /// Returns once every reader is back in the pool and no task waits for one.
    func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.free.count == readers.count && state.waiters.isEmpty { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
