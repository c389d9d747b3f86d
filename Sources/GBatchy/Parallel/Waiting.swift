/// Yields each future or task as soon as it is done, in completion order (gbatchy's `iwait`).
///
/// An item is done when its value or its error has arrived; read it with `value`. Ending the iteration early stops
/// the waiting, not the items.
///
/// ```swift
/// let tasks = [1, 2, 3].map { id in spawn { try await users.load(id) } }
/// for try await done in iwait(tasks) {
///     print(try await done.value)
/// }
/// ```
///
/// - Parameter items: The futures or tasks.
/// - Returns: The items, in completion order.
public func iwait<Items: Sequence>(_ items: Items) -> AsyncThrowingStream<Items.Element, any Error>
where Items.Element: BatchAwaitable {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: Items.Element.self)
    let items = Array(items)
    let task = Task {
        await withTaskGroup(of: Items.Element.self) { group in
            for item in items {
                group.addTask {
                    _ = try? await item.value
                    return item
                }
            }
            for await item in group {
                continuation.yield(item)
            }
        }
        continuation.finish()
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}

/// Waits until `count` of the futures or tasks are done (all of them when `count` is nil), and returns those, in
/// completion order (gevent's and gbatchy's `wait`).
///
/// ```swift
/// let firstTwo = try await wait(tasks, count: 2)
/// ```
///
/// - Parameters:
///   - items: The futures or tasks.
///   - count: How many to wait for; `nil` for all.
/// - Returns: The first `count` items to be done, in completion order.
/// - Throws: `CancellationError` when the waiting task is cancelled.
public func wait<Items: Sequence>(_ items: Items, count: Int? = nil) async throws -> [Items.Element]
where Items.Element: BatchAwaitable {
    let items = Array(items)
    let wanted = min(count ?? items.count, items.count)
    var done: [Items.Element] = []
    done.reserveCapacity(wanted)
    guard wanted > 0 else { return done }
    try await BatchContext.releasingHold { () async throws -> Void in
        for try await item in iwait(items) {
            done.append(item)
            if done.count == wanted { break }
        }
    }
    try Task.checkCancellation()
    return done
}
