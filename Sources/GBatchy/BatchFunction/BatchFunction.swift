/// A gbatchy batched function: every call issued in one tick reaches the function together, as one list.
///
/// Unlike ``Loader``, a batch function keeps no cache and does not merge equal inputs: each call is one element of the
/// batch, so the inputs need not be `Hashable`. Batches are keyed per instance (gbatchy's `class_batched`): two batch
/// functions never share a batch, and each context has its own queue.
///
/// ```swift
/// let addOne = BatchFunction<Int, Int>(name: "addOne", maxBatchSize: 100) { (inputs: [Int]) in
///     inputs.map { $0 + 1 }
/// }
/// let two = try await addOne(1)
/// let pending: BatchFuture<Int> = addOne.future(1)   // queued now, no task created
/// ```
///
/// To fail calls one by one (gbatchy's `Raise`), return one `Result` per input with
/// ``init(name:maxBatchSize:results:)``. A batch function with no results (gbatchy's "returns None") is a
/// `BatchFunction<Input, Void>` built with ``init(name:maxBatchSize:_:)-(_,_,([Input])->Void)``.
///
/// `BatchFunction` is `Sendable`.
public final class BatchFunction<Input: Sendable, Output: Sendable>: Sendable {
    /// The function's name, used in errors and ``BatchStatistics``.
    public let name: String
    /// The most calls one batch holds; `nil` for no limit. A value below 1 fails every call with
    /// ``BatchError/invalidMaxBatchSize``. Larger ticks are cut into batches that run concurrently.
    public let maxBatchSize: Int?
    @usableFromInline let body: Body
    @usableFromInline let tickSizeHint = TickSizeHint()

    @usableFromInline
    enum Body: Sendable {
        case values(@Sendable ([Input]) async throws -> [Output])
        case results(@Sendable ([Input]) async throws -> [Result<Output, any Error>])
    }

    private init(name: String, maxBatchSize: Int?, body: Body) {
        self.name = name
        self.maxBatchSize = maxBatchSize
        self.body = body
    }

    /// Creates a batch function that returns one output per input, in the order of the inputs.
    ///
    /// A wrong number of outputs fails every call of the batch with ``BatchError/wrongResultCount``; a thrown error
    /// fails every call with that error.
    ///
    /// - Parameters:
    ///   - name: The function's name, for errors and statistics.
    ///   - maxBatchSize: The most calls in one batch, or `nil` for no limit.
    ///   - batch: Computes the outputs of one batch of inputs.
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        _ batch: @escaping @Sendable ([Input]) async throws -> [Output]
    ) {
        self.init(name: name, maxBatchSize: maxBatchSize, body: .values(batch))
    }

    /// Creates a batch function that returns one `Result` per input, so that calls fail one by one (gbatchy's
    /// `Raise`).
    ///
    /// ```swift
    /// struct Odd: Error {}
    /// let half = BatchFunction<Int, Int>(name: "half", results: { inputs in
    ///     inputs.map { $0 % 2 == 0 ? .success($0 / 2) : .failure(Odd()) }
    /// })
    /// ```
    ///
    /// - Parameters:
    ///   - name: The function's name, for errors and statistics.
    ///   - maxBatchSize: The most calls in one batch, or `nil` for no limit.
    ///   - results: Computes one result per input, in input order.
    @_disfavoredOverload
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        results: @escaping @Sendable ([Input]) async throws -> [Result<Output, any Error>]
    ) {
        self.init(name: name, maxBatchSize: maxBatchSize, body: .results(results))
    }

    /// Creates a batch function with no outputs: every call returns once the batch has run (gbatchy's batch function
    /// that returns `None`).
    ///
    /// ```swift
    /// let audit = BatchFunction<String, Void>(name: "audit") { (events: [String]) in
    ///     print(events.joined(separator: ", "))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The function's name, for errors and statistics.
    ///   - maxBatchSize: The most calls in one batch, or `nil` for no limit.
    ///   - batch: Handles one batch of inputs.
    public convenience init(
        name: String,
        maxBatchSize: Int? = nil,
        _ batch: @escaping @Sendable ([Input]) async throws -> Void
    ) where Output == Void {
        self.init(
            name: name,
            maxBatchSize: maxBatchSize,
            body: .values { inputs in
                try await batch(inputs)
                return Array(repeating: (), count: inputs.count)
            }
        )
    }

    /// Calls the function on `input` as part of the next batch.
    ///
    /// ```swift
    /// let two = try await addOne(1)
    /// ```
    ///
    /// - Parameter input: One element of the next batch.
    /// - Returns: The output for `input`.
    /// - Throws: The error for `input` or for its whole batch, or `CancellationError` when the calling task is
    ///   cancelled while it waits.
    @inlinable
    public nonisolated(nonsending) func callAsFunction(_ input: Input) async throws -> Output {
        try Task.checkCancellation()
        let context = BatchContext.current ?? BatchContext()
        let (check, wake) = context.state.withLock { state in
            let (slot, wake) = context.queue(of: self, in: &state).slot(for: input, state: &state)
            return (state.check(slot), wake)
        }
        if wake { context.scheduleDrain() }
        return try await context.value(of: check)
    }

    /// Queues `input` now and returns its pending output, without creating a task (gbatchy's `as_future=True`).
    ///
    /// - Parameter input: One element of the next batch.
    /// - Returns: A future of the output.
    @inlinable
    public func future(_ input: Input) -> BatchFuture<Output> {
        let context = BatchContext.current ?? BatchContext()
        return BatchFuture(context: context, slot: context.slot(for: input, in: self))
    }

    /// Runs the batch function on `inputs` and checks its answer.
    @inlinable
    func run(_ inputs: [Input]) async -> BatchOutcome<Output> {
        if let maxBatchSize, maxBatchSize < 1 {
            return .failed(BatchError.invalidMaxBatchSize(loader: name, value: maxBatchSize))
        }
        do {
            switch body {
            case .values(let batch):
                return .checking(try await batch(inputs), keyCount: inputs.count, loader: name)
            case .results(let batch):
                return .checking(try await batch(inputs), keyCount: inputs.count, loader: name)
            }
        } catch {
            return .failed(error)
        }
    }
}

/// A ``BatchFunction``'s queue inside one context.
///
/// Every method runs under the context lock. Not `Sendable`: the batch runs it starts capture the function and the
/// context, never the queue.
@usableFromInline
final class FunctionQueue<Input: Sendable, Output: Sendable>: ContextQueue {
    @usableFromInline let function: BatchFunction<Input, Output>
    @usableFromInline unowned let context: BatchContext
    @exclusivity(unchecked) @usableFromInline var pending: PendingBatches<Input, Output>
    @exclusivity(unchecked) @usableFromInline var counters = LoaderStatistics()
    /// ``takeReadyBatches(into:)``, made where the queue is created, so that it is specialized.
    @usableFromInline let takeBatches: (FunctionQueue, inout [BatchRun]) -> Void

    @inlinable
    init(function: BatchFunction<Input, Output>, context: BatchContext) {
        self.function = function
        self.context = context
        self.pending = PendingBatches(maxBatchSize: function.maxBatchSize, expectedCount: function.tickSizeHint.value)
        self.takeBatches = { queue, runs in queue.takeReadyBatchesSpecialized(into: &runs) }
    }

    @usableFromInline var name: String { function.name }
    @usableFromInline var statistics: LoaderStatistics { counters }

    @inlinable
    func slot(for input: Input, state: inout ContextState) -> (Slot<Output>, wake: Bool) {
        counters.loads += 1
        let wasEmpty = pending.isEmpty
        let slot = pending.append(input)
        return (slot, wasEmpty ? state.markReady(self) : false)
    }

    @usableFromInline
    func takeReadyBatches(into runs: inout [BatchRun]) {
        takeBatches(self, &runs)
    }

    @inlinable
    func takeReadyBatchesSpecialized(into runs: inout [BatchRun]) {
        for (inputs, store) in pending.takeAll(recordingSizeIn: function.tickSizeHint) {
            counters.batchSizes.append(inputs.count)
            runs.append(
                BatchRun(group: nil) { [function, context] in
                    context.finish(store, with: await function.run(inputs))
                }
            )
        }
    }
}

extension BatchContext {
    @inlinable
    func queue<Input, Output>(
        of function: BatchFunction<Input, Output>,
        in state: inout ContextState
    ) -> FunctionQueue<Input, Output> {
        state.queue(for: function) { FunctionQueue(function: function, context: self) }
    }

    @inlinable
    func slot<Input, Output>(for input: Input, in function: BatchFunction<Input, Output>) -> Slot<Output> {
        let (slot, wake) = state.withLock { state in queue(of: function, in: &state).slot(for: input, state: &state) }
        if wake { scheduleDrain() }
        return slot
    }
}
