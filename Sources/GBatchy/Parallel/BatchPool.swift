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
        var acquirers: [(id: UInt64, continuation: UnsafeContinuation<Void, any Error>)] = []
        /// Tasks waiting for the pool to have a free slot, without taking it.
        typealias Watcher = (id: UInt64, continuation: UnsafeContinuation<Void, Never>)
        var watchers: [Watcher] = []
        var nextID: UInt64 = 0
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
    /// - Parameters:
    ///   - items: The inputs.
    ///   - transform: Runs once per input.
    /// - Returns: One output per input, in input order.
    /// - Throws: The error of the first input that failed, in input order.
    public func pmap<Element: Sendable, Output: Sendable>(
        _ items: some Sequence<Element>,
        _ transform: @escaping @Sendable (Element) async throws -> Output
    ) async throws -> [Output] {
        try await collectInOrder(Array(items)) { item in try await self.run { try await transform(item) } }
            .map { try $0.get() }
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
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let wait = state.withLock { state in
                    guard state.running >= size, !Task.isCancelled else { return false }
                    state.watchers.append((id, continuation))
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            let watcher = state.withLock { state in
                state.watchers.firstIndex { $0.id == id }.map { state.watchers.remove(at: $0) }
            }
            watcher?.continuation.resume()
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
        let id: UInt64? = state.withLock { state in
            if state.running < size {
                state.running += 1
                return nil
            }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.running < size {
                        state.running += 1
                        return .success(())
                    }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.acquirers.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.acquirers.firstIndex { $0.id == id }.map { state.acquirers.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Frees a slot: hands it to the next waiting task, or wakes the tasks waiting for a free slot.
    private func release() {
        let (next, watchers) = state.withLock { state -> (UnsafeContinuation<Void, any Error>?, [State.Watcher]) in
            if !state.acquirers.isEmpty {
                // The slot passes straight to the next task; `running` stays the same.
                return (state.acquirers.removeFirst().continuation, [])
            }
            state.running -= 1
            let watchers = state.watchers
            state.watchers = []
            return (nil, watchers)
        }
        next?.resume()
        for watcher in watchers { watcher.continuation.resume() }
    }
}
