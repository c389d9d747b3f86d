/// A ``BatchContext/holdingDispatch(isolation:_:)`` scope: the context it holds and the task that opened it.
@usableFromInline
final class HoldScope: Sendable {
    @usableFromInline let context: BatchContext
    /// Identifies the task that opened the scope. Child tasks inherit the scope through the task-local, but only
    /// this task's waits release the hold.
    private let taskID: Int

    init(context: BatchContext) {
        self.context = context
        self.taskID = HoldScope.currentTaskID()
    }

    private static func currentTaskID() -> Int {
        withUnsafeCurrentTask { $0?.hashValue ?? 0 }
    }

    /// Whether the running task is the one that opened the scope.
    @usableFromInline
    var isHeldByCurrentTask: Bool { taskID == HoldScope.currentTaskID() }
}

extension BatchContext {
    /// The innermost dispatch hold opened by the running task or one of its ancestors.
    @TaskLocal @usableFromInline static var holdScope: HoldScope?

    /// Runs `wait`, letting a context held by the running task dispatch in the meantime: a task that waits for a
    /// batch never holds that batch back.
    @inlinable
    nonisolated(nonsending) static func releasingHold<T, E: Error>(_ wait: () async throws(E) -> T) async throws(E) -> T {
        guard let scope = holdScope, scope.isHeldByCurrentTask else { return try await wait() }
        scope.context.releaseHold()
        defer { scope.context.acquireHold() }
        return try await wait()
    }
}
