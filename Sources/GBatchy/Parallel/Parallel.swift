/// Waits for every future or task and returns their values in order (gbatchy's `pget`).
///
/// Futures are queued when they are created, so waiting for them one after another loses no batching: all of them
/// are answered by the same ticks.
///
/// ```swift
/// let values = try await pget([addOne.future(1), addOne.future(2)])   // [2, 3], one batch
/// ```
///
/// - Parameter items: The futures or tasks.
/// - Returns: Their values, in the order of `items`.
/// - Throws: The error of the first item that failed, in the order of `items`.
public func pget<Items: Sequence>(_ items: Items) async throws -> [Items.Element.Value]
where Items.Element: BatchAwaitable {
    var values: [Items.Element.Value] = []
    values.reserveCapacity(items.underestimatedCount)
    for item in items {
        values.append(try await item.value)
    }
    return values
}

/// Waits for a mix of futures and tasks and returns their values in order.
///
/// - Parameter items: The futures or tasks.
/// - Returns: Their values, in the order of `items`.
/// - Throws: The error of the first item that failed, in the order of `items`.
public func pget<Value: Sendable>(_ items: [any BatchAwaitable<Value>]) async throws -> [Value] {
    var values: [Value] = []
    values.reserveCapacity(items.count)
    for item in items {
        values.append(try await item.value)
    }
    return values
}

/// Waits for futures or tasks of different types and returns their values as a tuple.
///
/// ```swift
/// let (user, count) = try await pget(users.future(1), counts.future(1))
/// ```
///
/// - Parameter items: The futures or tasks.
/// - Returns: Their values, in order.
/// - Throws: The error of the first item that failed, in order.
public func pget<each Item: BatchAwaitable>(_ items: repeat each Item) async throws -> (repeat (each Item).Value) {
    (repeat try await (each items).value)
}

/// Maps `items` concurrently inside the current batch context, and returns the results in input order (gbatchy's
/// `pmap`).
///
/// Each item runs in a child task of the context, so the loads of all items coalesce. When no context is running,
/// one is created for the call.
///
/// ```swift
/// let names = try await pmap([1, 2, 3]) { id in try await users.load(id).name }   // one batch
/// ```
///
/// - Parameters:
///   - items: The inputs.
///   - transform: Runs once per input, concurrently.
/// - Returns: One output per input, in input order.
/// - Throws: The error of the first input that failed, in input order, after every transform has finished.
public func pmap<Element: Sendable, Output: Sendable>(
    _ items: some Sequence<Element>,
    _ transform: @escaping @Sendable (Element) async throws -> Output
) async throws -> [Output] {
    try await collectInOrder(
        Array(items),
        run: { item in try await transform(item) }
    ).map { try $0.get() }
}

/// Keeps the items for which `isIncluded` returns true, running the checks concurrently inside the current batch
/// context (gbatchy's `pfilter`).
///
/// ```swift
/// let active = try await pfilter([1, 2, 3]) { id in try await users.load(id).isActive }
/// ```
///
/// - Parameters:
///   - items: The inputs.
///   - isIncluded: Runs once per input, concurrently.
/// - Returns: The included inputs, in input order.
/// - Throws: The error of the first input that failed, in input order.
public func pfilter<Element: Sendable>(
    _ items: some Sequence<Element>,
    _ isIncluded: @escaping @Sendable (Element) async throws -> Bool
) async throws -> [Element] {
    let items = Array(items)
    let verdicts = try await collectInOrder(items, run: isIncluded).map { try $0.get() }
    return zip(items, verdicts).compactMap { $1 ? $0 : nil }
}

/// Runs `run` on every item in a child task of the current batch context (or a new one), and returns each result at
/// the index of its item. Every task runs to the end: a failure does not cancel the others.
func collectInOrder<Element: Sendable, Output: Sendable>(
    _ items: [Element],
    run: @escaping @Sendable (Element) async throws -> Output
) async -> [Result<Output, any Error>] {
    await withBatchContext {
        await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await run(item)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return await BatchContext.releasingHold {
                var results = [Result<Output, any Error>?](repeating: nil, count: items.count)
                for await (index, result) in group {
                    results[index] = result
                }
                return results.map { $0 ?? .failure(CancellationError()) }
            }
        }
    }
}
