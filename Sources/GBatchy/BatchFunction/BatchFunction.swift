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
    public var name: String { source.name }
    /// The most calls one batch holds; `nil` for no limit. A value below 1 fails every call with
    /// ``BatchError/invalidMaxBatchSize``. Larger ticks are cut into batches that run concurrently.
    public var maxBatchSize: Int? { source.maxBatchSize }
    /// The batch function, its name and its limit.
    @usableFromInline let source: BatchSource<Input, Output>

    private init(name: String, maxBatchSize: Int?, body: BatchSource<Input, Output>.Body) {
        self.source = BatchSource(name: name, maxBatchSize: maxBatchSize, dispatchGroup: nil, body: body)
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
        return try await context.value(of: context.checkedSlot(for: input, in: self))
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
}

extension BatchFunction: QueueOwner {
    @inlinable
    func makeCache(expectedCount: Int) -> NoCache<Input, Output> {
        NoCache()
    }
}
