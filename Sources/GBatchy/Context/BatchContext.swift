/// A unit of work, usually one request, inside which every load coalesces into batches.
///
/// Everything that runs inside a context shares one coalescing point. Loads issued while the context still has runnable
/// work are queued; when no task of the context can make progress (its run queue has drained and every task is
/// suspended), the context dispatches **every** pending batch at once, concurrently. That moment is a *tick*. Batch
/// functions run inside the context, so loads they issue join the next tick.
///
/// A context is also the `TaskExecutor` its tasks run on: ``withBatchContext(_:isolation:_:)`` runs its body with the
/// context as the task executor preference, so child tasks (`async let`, task groups) run on it. The executor owns no
/// thread: it drains its jobs on Dispatch's global queue, one at a time or on several threads (``BatchExecution``),
/// and dispatches when the queue is empty and no job runs. Nothing waits on a clock, so the same program forms the same
/// batches on every run.
///
/// ```swift
/// let users = Loader<Int, String>(name: "users") { ids in ids.map { "user \($0)" } }
/// let names = try await withBatchContext {
///     async let a = users.load(1)
///     async let b = users.load(2)
///     return try await [a, b]   // one batch: [1, 2]
/// }
/// ```
///
/// `BatchContext` is `Sendable`: its state is guarded by a lock. Loaders keep their queues and caches inside the
/// context, so one loader shared by many concurrent contexts never mixes their keys or values.
public final class BatchContext: TaskExecutor, Sendable {
    /// The context bound to the running task.
    @TaskLocal @usableFromInline static var bound: BatchContext?

    /// Everything mutable about the context.
    @usableFromInline let state: Locked<ContextState>

    /// How the context runs its tasks' jobs.
    public let execution: BatchExecution

    /// Marks a backend set on the context for the rest of its life: a PostgreSQL source marks the contexts that
    /// wrote through it, which then read from the primary, not a replica (read-your-writes).
    package let marks = Locked(Set<ObjectIdentifier>())

    @usableFromInline init(execution: BatchExecution = .default) {
        self.execution = execution
        state = Locked(ContextState(threads: execution.threads))
    }

    /// The context of the running task, or `nil` outside any context.
    ///
    /// ```swift
    /// try await withBatchContext {
    ///     #expect(BatchContext.current != nil)
    /// }
    /// ```
    public static var current: BatchContext? { bound }

    /// Counters for everything this context did so far: ticks, batches and keys per loader, cache hits, and the
    /// number of tasks suspended and resumed.
    ///
    /// ```swift
    /// let stats = BatchContext.current?.statistics
    /// print(stats?.ticks ?? 0, stats?["users"].batchSizes ?? [])
    /// ```
    public var statistics: BatchStatistics {
        state.withLock { state in
            var statistics = BatchStatistics(
                ticks: state.ticks,
                waitersSuspended: state.waitersSuspended,
                waitersResumed: state.waitersResumed
            )
            for queue in state.queueOrder {
                statistics.loaders[queue.name, default: LoaderStatistics()].add(queue.statistics)
            }
            return statistics
        }
    }

    /// Runs `body` while this context holds back dispatch.
    ///
    /// By default a task of the context that awaits work outside it (an actor elsewhere, I/O) does not hold dispatch
    /// back: the context dispatches as soon as its own run queue is empty. Inside `holdingDispatch` the context does
    /// not dispatch while the task that called it runs or awaits work outside the context, so loads issued before and
    /// after an external await land in one batch. This is the opposite of gbatchy's `may_block`.
    ///
    /// When that task waits for a batch itself (`load`, `loadMany`, a future, ``pget(_:)-(Items)``, ``pmap(_:_:)``,
    /// a ``BatchTask``), it no longer holds dispatch back, exactly as gbatchy counts a greenlet blocked on a batch.
    /// Awaiting an `async let` or a task group of its own whose loads need a tick does hold it back: keep such work
    /// outside the scope. Outside any context, `holdingDispatch` simply runs `body`.
    ///
    /// ```swift
    /// try await withBatchContext {
    ///     let both = try await BatchContext.holdingDispatch {
    ///         let first = users.future(1)
    ///         let settings = try await settingsService.current()   // users' batch waits
    ///         let second = users.future(settings.defaultUserID)
    ///         return try await pget([first, second])               // one batch with both keys
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - isolation: The caller's isolation; leave the default.
    ///   - body: The work to run while dispatch is held.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public static func holdingDispatch<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(E) -> T
    ) async throws(E) -> T {
        guard let context = current else { return try await body() }
        let scope = context.state.withLock { $0.openScope(in: context, parent: holdScope) }
        let result: Result<T, E> = await $holdScope.withValue(
            scope,
            operation: { await outcome(isolation: isolation, of: body) },
            isolation: isolation
        )
        context.close(scope)
        return try result.get()
    }
}

/// Runs `body` inside a batch context: the current one if there is one, otherwise a new one.
///
/// Every load issued by `body` and by the tasks it starts (`async let`, task groups, ``spawn(priority:_:)``) coalesces
/// with the other loads of the context. Call it from anywhere: a nonisolated function, an actor method or
/// `@MainActor` code; the batches are the same from each.
///
/// The call that opened the context returns once `body` has returned and every batch the context started has
/// finished, so nothing of the context still runs afterwards.
///
/// ```swift
/// let users = Loader<Int, String>(name: "users") { ids in ids.map { "user \($0)" } }
/// let pair = try await withBatchContext {
///     async let a = users.load(1)
///     async let b = users.load(2)
///     return try await (a, b)
/// }
/// ```
///
/// A new context runs its jobs as `execution` says: ``BatchExecution/serial`` (the default) or
/// ``BatchExecution/parallel``, which forms the same batches and uses every core for the context's own work.
///
/// ```swift
/// let names = try await withBatchContext(.parallel) {
///     try await pmap(1...100) { try await users.load($0) }
/// }
/// ```
///
/// - Parameters:
///   - execution: How a new context runs its tasks' jobs. A call inside a context joins it and keeps its execution.
///   - isolation: The caller's isolation; leave the default.
///   - body: The unit of work.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws.
///
/// It throws what `body` throws, and nothing when `body` cannot throw.
public func withBatchContext<T, E: Error>(
    _ execution: BatchExecution = .default,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws(E) -> T
) async throws(E) -> T {
    let outer = BatchContext.current
    let context = outer ?? BatchContext(execution: execution)
    // A body isolated to an actor runs on that actor's executor, not on the context's: the context must not dispatch
    // while the body is still running there (see `CallerBarrier`).
    let caller = isolation.map { context.openCaller($0) }
    let result: Result<T, E> = await BatchContext.$bound.withValue(
        context,
        operation: {
            await withTaskExecutorPreference(context, isolation: isolation) {
                await outcome(isolation: isolation, of: body)
            }
        },
        isolation: isolation
    )
    if let caller { context.closeCaller(caller) }
    if outer == nil { await context.untilBatchTasksFinish() }
    return try result.get()
}

/// Runs `body` and returns what it returned or threw, keeping the error's type. The standard library's scoped
/// helpers (`TaskLocal.withValue`) rethrow untyped errors; passing a `Result` through them keeps `throws(E)`.
func outcome<T, E: Error>(
    isolation: isolated (any Actor)? = #isolation,
    of body: () async throws(E) -> T
) async -> Result<T, E> {
    do throws(E) {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
