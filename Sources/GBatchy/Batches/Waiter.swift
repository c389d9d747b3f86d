/// Something suspended on a batch store or a promise, resumed exactly once: by the batch's completion or by
/// cancellation, whichever removes it from its ``WaiterQueue`` first (removal happens under the owner's lock).
@usableFromInline
enum Waiter<Value: Sendable>: Sendable {
    /// A task awaiting one key's value.
    case value(index: Int, UnsafeContinuation<Value, any Error>)
    /// A task awaiting the whole batch (`loadMany`), which then reads every slot it needs.
    case completion(UnsafeContinuation<Void, Never>)
    /// A transform registered by ``BatchFuture/map(_:)`` or ``BatchFuture/flatMap(_:)``: runs without a task.
    case callback(index: Int, @Sendable (Result<Value, any Error>) -> Void)

    /// Whether resuming this waiter resumes a suspended task (as opposed to running a callback).
    @inlinable
    var isSuspendedTask: Bool {
        if case .callback = self { return false }
        return true
    }

    /// Resumes the waiter with the outcome of its batch. Call it without holding any lock.
    @inlinable
    func resume(with outcome: BatchOutcome<Value>) {
        switch self {
        case .value(let index, let continuation):
            // The outcome is final here, so `result(at:)` is never nil.
            continuation.resume(with: outcome.result(at: index) ?? .failure(CancellationError()))
        case .completion(let continuation):
            continuation.resume()
        case .callback(let index, let callback):
            callback(outcome.result(at: index) ?? .failure(CancellationError()))
        }
    }

    /// Resumes the waiter of a single-value promise with its result. Call it without holding any lock.
    @inlinable
    func resume(with result: Result<Value, any Error>) {
        switch self {
        case .value(_, let continuation): continuation.resume(with: result)
        case .completion(let continuation): continuation.resume()
        case .callback(_, let callback): callback(result)
        }
    }

    /// Resumes the waiter because its task was cancelled. Call it without holding any lock.
    @inlinable
    func resumeCancelled() {
        switch self {
        case .value(_, let continuation): continuation.resume(throwing: CancellationError())
        case .completion(let continuation): continuation.resume()
        case .callback: break
        }
    }
}
