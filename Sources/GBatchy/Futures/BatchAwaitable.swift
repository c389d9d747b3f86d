/// A value that some work will produce: a ``BatchFuture`` or a ``BatchTask``.
///
/// ``pget(_:)-(Items)``, ``iwait(_:)`` and ``wait(_:count:)`` accept any mix of them.
///
/// ```swift
/// let future = users.future(1)
/// let task = spawn { try await users.load(2) }
/// let values = try await pget([future as any BatchAwaitable<User>, task])
/// ```
public protocol BatchAwaitable<Value>: Sendable {
    /// The type of the value.
    associatedtype Value: Sendable

    /// Waits for the value.
    var value: Value { get async throws }
}
