/// Maps `items` concurrently inside the current batch context and yields each output as soon as it is ready
/// (gbatchy's `pmap_unordered`).
///
/// The work starts at once, in a task of the context. The sequence ends with the first error; ending the iteration
/// early cancels the remaining work.
///
/// ```swift
/// for try await name in pmapUnordered([1, 2, 3], { try await users.load($0).name }) {
///     print(name)
/// }
/// ```
///
/// - Parameters:
///   - items: The inputs.
///   - transform: Runs once per input, concurrently.
/// - Returns: The outputs, in completion order.
public func pmapUnordered<Element: Sendable, Output: Sendable>(
    _ items: some Sequence<Element>,
    _ transform: @escaping @Sendable (Element) async throws -> Output
) -> AsyncThrowingStream<Output, any Error> {
    streamInCompletionOrder(Array(items)) { item in try await transform(item) }
}

/// Keeps the items for which `isIncluded` returns true, checking them concurrently and yielding each kept item as
/// soon as its check is done (gbatchy's `pfilter_unordered`).
///
/// ```swift
/// for try await id in pfilterUnordered([1, 2, 3], { try await users.load($0).isActive }) {
///     print(id)
/// }
/// ```
///
/// - Parameters:
///   - items: The inputs.
///   - isIncluded: Runs once per input, concurrently.
/// - Returns: The kept inputs, in completion order.
public func pfilterUnordered<Element: Sendable>(
    _ items: some Sequence<Element>,
    _ isIncluded: @escaping @Sendable (Element) async throws -> Bool
) -> AsyncThrowingStream<Element, any Error> {
    streamInCompletionOrder(Array(items)) { item in try await isIncluded(item) ? item : nil }
}

/// Runs `run` on every item in a child task of a task of the current batch context (or a new one), and yields each
/// non-nil output in completion order.
func streamInCompletionOrder<Element: Sendable, Output: Sendable>(
    _ items: [Element],
    run: @escaping @Sendable (Element) async throws -> Output?
) -> AsyncThrowingStream<Output, any Error> {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: Output.self)
    let task = spawn {
        do {
            try await withThrowingTaskGroup(of: Output?.self) { group in
                for item in items {
                    group.addTask { try await run(item) }
                }
                for try await output in group {
                    if let output { continuation.yield(output) }
                }
            }
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}
