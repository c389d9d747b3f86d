/// A task started by ``spawn(priority:_:)`` or ``BatchPool/spawn(priority:_:)``: it runs in the batch context it was
/// started from, so its loads coalesce with the others of that context.
///
/// ```swift
/// let task = spawn { try await users.load(1) }
/// let user = try await task.value
/// ```
///
/// `BatchTask` is `Sendable` and `Hashable`.
public struct BatchTask<Value: Sendable>: BatchAwaitable, Hashable {
    /// The underlying task.
    public let task: Task<Value, any Error>

    init(_ task: Task<Value, any Error>) {
        self.task = task
    }

    /// Waits for the task's value.
    ///
    /// - Throws: What the task threw.
    public var value: Value {
        get async throws {
            try await BatchContext.releasingHold { () async throws -> Value in try await task.value }
        }
    }

    /// Waits for the task, and returns its value or its error.
    public var result: Result<Value, any Error> {
        get async { await BatchContext.releasingHold { await task.result } }
    }

    /// Cancels the task.
    public func cancel() {
        task.cancel()
    }

    /// Whether the task was cancelled.
    public var isCancelled: Bool { task.isCancelled }
}

/// Starts `body` in a new task of the current batch context, or of a new context when there is none (gbatchy's
/// `spawn`).
///
/// The task runs on the context's executor with the context bound, so its loads coalesce with every other load of
/// the context. `async let` plays the part of gbatchy's `spawn_proxy`.
///
/// ```swift
/// try await withBatchContext {
///     let tasks = (0..<2).map { _ in spawn { try await users.load(1) } }
///     let users = try await pget(tasks)   // one batch
/// }
/// ```
///
/// - Parameters:
///   - priority: The task's priority.
///   - body: The work to run.
/// - Returns: The task, to await or cancel.
@discardableResult
public func spawn<Value: Sendable>(
    priority: TaskPriority? = nil,
    _ body: @escaping @Sendable () async throws -> Value
) -> BatchTask<Value> {
    guard let context = BatchContext.current else {
        return BatchTask(Task(priority: priority) { try await withBatchContext { try await body() } })
    }
    return BatchTask(Task(executorPreference: context, priority: priority) { try await body() })
}
