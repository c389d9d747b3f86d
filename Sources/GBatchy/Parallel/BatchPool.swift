/// Limits how many tasks run at once inside a batch context (gbatchy's `Pool`).
///
/// A task of the pool that waits for a free slot is suspended, so it does not hold dispatch back: with
/// `BatchPool(size: 1)`, `pmap` over three items makes three batches of one.
///
/// ```swift
/// let pool = BatchPool(size: 2)
/// try await withBatchContext {
///     let names = try await pool.pmap([1, 2, 3, 4]) { try await users.load($0).name }   // batches [1, 2], [3, 4]
/// }
/// ```
///
/// `BatchPool` is `Sendable`. One pool can serve several contexts; its slots are shared between them.
public final class BatchPool: Sendable {
    private struct State {
        var running = 0
        /// Tasks waiting for a slot, first come first served.
        var acquirers = WaiterQueue<CheckedContinuation<Void, any Error>>()
        /// Tasks waiting for the pool to have a free slot, without taking it.
        var watchers = WaiterQueue<CheckedContinuation<Void, Never>>()
    }

    /// The most tasks that run at once.
    public let size: Int
    private let state = Locked(State())

    /// Creates a pool that runs at most `size` tasks at once.
    ///
    /// - Parameter size: The number of slots; at least 1. A pool made with fewer runs nothing: each of its tasks
    ///   throws ``BatchError/invalidPoolSize``.
    public init(size: Int) {
        self.size = size
    }

    /// The number of tasks running in the pool now.
    public var running: Int { state.withLock { $0.running } }

    /// Whether every slot is taken (gbatchy's `full()`).
    public var isFull: Bool { state.withLock { $0.running >= size } }

    /// Starts `body` in a task of the current batch context as soon as a slot is free, and returns the task at once.
    ///
    /// When a slot is free the task takes it right away, so ``isFull`` already counts it when `spawn` returns.
    ///
    /// ```swift
    /// let task = pool.spawn { try await users.load(1) }
    /// ```
    ///
    /// - Parameters:
    ///   - priority: The task's priority.
    ///   - body: The work to run.
    /// - Returns: The task, to await or cancel. Cancelled while it waits for a slot, it throws `CancellationError`.
    @discardableResult
    public func spawn<Value: Sendable>(
        priority: TaskPriority? = nil,
        _ body: @escaping @Sendable () async throws -> Value
    ) -> BatchTask<Value> {
        guard tryAcquire() else {
            return GBatchy.spawn(priority: priority) { try await self.run(body) }
        }
        return GBatchy.spawn(priority: priority) {
            defer { self.release() }
            return try await body()
        }
    }

    /// Maps `items` with at most ``size`` transforms running at once, and returns the outputs in input order.
    ///
    /// The calling task takes the slots, in input order, and starts each transform once it has one: the same inputs
    /// run first on every run, in a serial or a parallel context (``BatchExecution``), as gbatchy's `Pool.map` spawns
    /// them one after the other.
    ///
    /// - Parameters:
    ///   - items: The inputs.
    ///   - transform: Runs once per input.
    /// - Returns: One output per input, in input order.
    /// - Throws: The error of the first input that failed, in input order.
    public func pmap<Element: Sendable, Output: Sendable>(
        _ items: some Sequence<Element>,
        _ transform: @escaping @Sendable (Element) async throws -> Output
    ) async throws -> [Output] {
        let items = Array(items)
        let results = await withBatchContext {
            await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
                var results = [Result<Output, any Error>?](repeating: nil, count: items.count)
                for (index, item) in items.enumerated() {
                    do {
                        try await acquire()
                    } catch {
                        results[index] = .failure(error)
                        continue
                    }
                    group.addTask {
                        defer { self.release() }
                        do {
                            return (index, .success(try await transform(item)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await BatchContext.releasingHold {
                    for await (index, result) in group {
                        results[index] = result
                    }
                    return results.map { $0 ?? .failure(CancellationError()) }
                }
            }
        }
        return try results.map { try $0.get() }
    }

    /// Maps `items` with at most ``size`` transforms running at once, and yields the outputs in input order
    /// (gbatchy's `Pool.imap`).
    ///
    /// - Parameters:
    ///   - items: The inputs.
    ///   - transform: Runs once per input.
    /// - Returns: The outputs, in input order, each as soon as it and those before it are ready.
    public func imap<Element: Sendable, Output: Sendable>(
        _ items: some Sequence<Element>,
        _ transform: @escaping @Sendable (Element) async throws -> Output
    ) -> AsyncThrowingStream<Output, any Error> {
        let tasks = items.map { item in spawn { try await transform(item) } }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Output.self)
        let reader = Task {
            do {
                for task in tasks {
                    continuation.yield(try await task.value)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in
            reader.cancel()
            for task in tasks { task.cancel() }
        }
        return stream
    }

    /// Maps `items` with at most ``size`` transforms running at once, and yields the outputs in completion order
    /// (gbatchy's `Pool.imap_unordered`).
    ///
    /// - Parameters:
    ///   - items: The inputs.
    ///   - transform: Runs once per input.
    /// - Returns: The outputs, in completion order.
    public func pmapUnordered<Element: Sendable, Output: Sendable>(
        _ items: some Sequence<Element>,
        _ transform: @escaping @Sendable (Element) async throws -> Output
    ) -> AsyncThrowingStream<Output, any Error> {
        streamInCompletionOrder(Array(items)) { item in try await self.run { try await transform(item) } }
    }

    /// Waits until the pool has a free slot (gbatchy's `wait_available`). It returns at once when one is free, and
    /// early when the waiting task is cancelled (check `Task.isCancelled`).
    public func waitAvailable() async {
        guard size > 0 else { return }  // no slot will ever be free; its tasks throw `BatchError.invalidPoolSize`
        let ticket = state.withLock { $0.watchers.reserve() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state in
                    guard state.running >= size else {
                        state.watchers.withdraw(ticket)
                        return false
                    }
                    return state.watchers.register(continuation, for: ticket)
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.watchers.remove(ticket) }?.resume()
        }
    }

    /// Runs `body` in a slot of the pool, waiting for one first.
    private func run<Value>(_ body: () async throws -> Value) async throws -> Value {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// Takes a free slot if there is one and no task is waiting for it.
    private func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.running < size, state.acquirers.isEmpty else { return false }
            state.running += 1
            return true
        }
    }

    private func acquire() async throws {
        guard size > 0 else { throw BatchError.invalidPoolSize(size) }
        let ticket: WaiterTicket? = state.withLock { state in
            if state.running < size {
                state.running += 1
                return nil
            }
            return state.acquirers.reserve()
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.running < size {
                        state.acquirers.withdraw(ticket)
                        state.running += 1
                        return .success(())
                    }
                    // Refused when the cancellation handler removed the ticket first.
                    guard state.acquirers.register(continuation, for: ticket) else {
                        return .failure(CancellationError())
                    }
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.acquirers.remove(ticket) }?.resume(throwing: CancellationError())
        }
    }

    /// Frees a slot: hands it to the next waiting task, or wakes the tasks waiting for a free slot.
    private func release() {
        typealias Wake = (next: CheckedContinuation<Void, any Error>?, watchers: [CheckedContinuation<Void, Never>])
        let (next, watchers) = state.withLock { state -> Wake in
            // The slot passes straight to the next task; `running` stays the same.
            if let next = state.acquirers.popFirst() { return (next, []) }
            state.running -= 1
            return (nil, state.watchers.removeAll())
        }
        next?.resume()
        for watcher in watchers { watcher.resume() }
    }
}
