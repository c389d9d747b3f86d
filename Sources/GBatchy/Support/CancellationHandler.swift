/// Runs `operation` with a cancellation handler, on the executor it is called on.
///
/// The standard `withTaskCancellationHandler(operation:onCancel:isolation:)` takes an `isolated` parameter, so a call
/// from a `nonisolated(nonsending)` function costs three `swift_task_switch` calls per wait, each of which looks up
/// the task's preferred executor under its status-record lock. The executor-inheriting entry point is the same
/// function without the switches (one remains, back in the caller), and calling it from a `nonisolated(nonsending)`
/// function is exactly right: the operation runs where the caller runs. In a context, that saves about 100 ns per
/// suspending `load` (`gbatchy-bench`, rows C1 and C1s).
@inlinable
nonisolated(nonsending) func withCancellationHandlerInPlace<T>(
    operation: () async throws -> T,
    onCancel handler: @Sendable () -> Void
) async rethrows -> T {
    try await _unsafeInheritExecutor_withTaskCancellationHandler(operation: operation, onCancel: handler)
}
