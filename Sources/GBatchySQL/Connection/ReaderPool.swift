import Foundation
import GBatchy

/// The reader connections of a database and the tasks waiting for one.
///
/// A task acquires a free reader, runs its job on that reader's thread and releases it. When every reader is busy,
/// tasks wait in FIFO order on a continuation (no polling). A task cancelled while waiting gets `CancellationError`.
/// `Sendable`: all state lives in a ``Locked``.
final class ReaderPool: Sendable {
    let readers: [ConnectionThread]

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<ConnectionThread, any Error>
    }

    private struct State {
        var free: [ConnectionThread]
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Acquisitions that have an id but are not waiting yet.
        var pending: Set<UInt64> = []
        /// Acquisitions cancelled before they started waiting.
        var cancelled: Set<UInt64> = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Locked<State>

    init(readers: [ConnectionThread]) {
        // An invariant, not input: the database makes a pool only when it opened at least one reader.
        precondition(!readers.isEmpty)
        self.readers = readers
        state = Locked(State(free: readers))
    }

    func acquire() async throws -> ConnectionThread {
        let fast: (ConnectionThread?, UInt64) = state.withLock { state in
            if let reader = state.free.popLast() { return (reader, 0) }
            state.nextID += 1
            state.pending.insert(state.nextID)
            return (nil, state.nextID)
        }
        if let reader = fast.0 { return reader }
        let id = fast.1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<ConnectionThread, any Error>) in
                let immediate: Result<ConnectionThread, any Error>? = state.withLock { state in
                    state.pending.remove(id)
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if let reader = state.free.popLast() { return .success(reader) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                if state.pending.remove(id) != nil { state.cancelled.insert(id) }
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release(_ reader: ConnectionThread) {
        let (waiter, drained): (Waiter?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), []) }
            state.free.append(reader)
            guard state.free.count == readers.count else { return (nil, []) }
            defer { state.drainWaiters = [] }
            return (nil, state.drainWaiters)
        }
        waiter?.continuation.resume(returning: reader)
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
