/// A value a batch will produce: the result of `future(_:)`, ``immediate(_:)``, `map` or `flatMap`.
///
/// Creating a future queues its key at once and creates no task: gbatchy's `as_future=True`. Several futures
/// created in a row land in one batch; await them together with ``pget(_:)-(Items)``. A future can be awaited any
/// number of times, from any task.
///
/// ```swift
/// let addOne = BatchFunction<Int, Int>(name: "addOne") { $0.map { $0 + 1 } }
/// let futures = (0..<3).map { addOne.future($0) }
/// let values = try await pget(futures)                 // [1, 2, 3], one batch
/// let doubled = try await futures[0].map { $0 * 2 }.value   // 2
/// ```
///
/// `BatchFuture` is `Sendable`.
public struct BatchFuture<Value: Sendable>: BatchAwaitable {
    @usableFromInline
    enum Source: Sendable {
        case ready(Result<Value, any Error>)
        case slot(BatchContext, Slot<Value>)
        case promise(FuturePromise<Value>)
    }

    @usableFromInline let source: Source

    @inlinable
    init(context: BatchContext, slot: Slot<Value>) {
        source = .slot(context, slot)
    }

    init(result: Result<Value, any Error>) {
        source = .ready(result)
    }

    private init(promise: FuturePromise<Value>) {
        source = .promise(promise)
    }

    /// Waits for the value.
    ///
    /// - Throws: The error of the value's batch, or `CancellationError` when the waiting task is cancelled.
    @inlinable
    public var value: Value {
        get async throws {
            switch source {
            case .ready(let result): try result.get()
            case .slot(let context, let slot): try await context.value(of: slot)
            case .promise(let promise): try await promise.value()
            }
        }
    }

    /// Waits for the value, and returns it or its error.
    public var result: Result<Value, any Error> {
        get async {
            do {
                return .success(try await value)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Whether the value has arrived, so that awaiting it does not suspend.
    public var isReady: Bool {
        switch source {
        case .ready: true
        case .slot(let context, let slot): context.state.withLock { _ in !slot.store.outcome.isPending }
        case .promise(let promise): promise.result != nil
        }
    }

    /// The context whose statistics count the waits on a future derived from this one: the context of this future's
    /// batch, or the current one when it has none (a ready value).
    var context: BatchContext? {
        switch source {
        case .ready: BatchContext.current
        case .slot(let context, _): context
        case .promise(let promise): promise.context ?? BatchContext.current
        }
    }

    /// Calls `callback` with the result once it arrives, without a task.
    func whenFinished(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        switch source {
        case .ready(let result): callback(result)
        case .slot(let context, let slot): context.whenFinished(slot, callback)
        case .promise(let promise): promise.whenFinished(callback)
        }
    }

    /// Returns a future of `transform` applied to this future's value (gbatchy's `transform`).
    ///
    /// The transform runs once, without a task, as soon as the value arrives, so it must be quick and must not
    /// wait. An error it throws becomes the new future's error; an error of this future passes through.
    ///
    /// ```swift
    /// let doubled = addOne.future(1).map { $0 * 2 }   // 4
    /// ```
    ///
    /// - Parameter transform: A pure function of the value.
    /// - Returns: The future of the transformed value.
    public func map<NewValue: Sendable>(
        _ transform: @escaping @Sendable (Value) throws -> NewValue
    ) -> BatchFuture<NewValue> {
        if case .ready(let result) = source {
            return BatchFuture<NewValue>(result: result.flatMap { value in Result { try transform(value) } })
        }
        let promise = FuturePromise<NewValue>(context: context)
        whenFinished { result in
            promise.resolve(result.flatMap { value in Result { try transform(value) } })
        }
        return BatchFuture<NewValue>(promise: promise)
    }

    /// Returns a future of the future that `transform` makes from this future's value (gbatchy's `chain`).
    ///
    /// The transform runs once, without a task, as soon as the value arrives, in the context that produced it, so
    /// the future it returns joins the next tick of that context.
    ///
    /// ```swift
    /// let three = addOne.future(1).flatMap { addOne.future($0) }   // two batches, value 3
    /// ```
    ///
    /// - Parameter transform: Makes the next future from the value.
    /// - Returns: The future of the next future's value.
    public func flatMap<NewValue: Sendable>(
        _ transform: @escaping @Sendable (Value) throws -> BatchFuture<NewValue>
    ) -> BatchFuture<NewValue> {
        let promise = FuturePromise<NewValue>(context: context)
        whenFinished { result in
            switch result {
            case .success(let value):
                do {
                    try transform(value).whenFinished { promise.resolve($0) }
                } catch {
                    promise.resolve(.failure(error))
                }
            case .failure(let error):
                promise.resolve(.failure(error))
            }
        }
        return BatchFuture<NewValue>(promise: promise)
    }
}

/// Returns a future that is ready at once with `value` (gbatchy's `immediate`).
///
/// ```swift
/// let five = try await immediate(5).value
/// ```
public func immediate<Value: Sendable>(_ value: Value) -> BatchFuture<Value> {
    BatchFuture(result: .success(value))
}

/// Returns a future that is ready at once with `error` (gbatchy's `immediate_exception`).
///
/// ```swift
/// let failed: BatchFuture<Int> = immediate(throwing: CancellationError())
/// ```
public func immediate<Value: Sendable>(throwing error: any Error) -> BatchFuture<Value> {
    BatchFuture(result: .failure(error))
}
