/// An error raised by GBatchy itself, as opposed to one thrown by a batch function.
///
/// Match on its ``code``, or directly on a code in a `catch` clause:
///
/// ```swift
/// do {
///     _ = try await users.load(42)
/// } catch BatchError.notFound {
///     print("no user 42")
/// }
/// ```
///
/// `BatchError` is `Sendable`. New codes may be added later without breaking callers.
public struct BatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case wrongResultCount
            case notFound
            case invalidMaxBatchSize
            case invalidPoolSize
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A batch function returned a number of results different from the number of keys it was given.
        public static let wrongResultCount = Code(.wrongResultCount)
        /// A loader's batch function returned no value for a key.
        public static let notFound = Code(.notFound)
        /// A loader or batch function was made with a `maxBatchSize` below 1.
        public static let invalidMaxBatchSize = Code(.invalidMaxBatchSize)
        /// A ``BatchPool`` was made with fewer than one slot.
        public static let invalidPoolSize = Code(.invalidPoolSize)

        public var description: String {
            switch base {
            case .wrongResultCount: "wrongResultCount"
            case .notFound: "notFound"
            case .invalidMaxBatchSize: "invalidMaxBatchSize"
            case .invalidPoolSize: "invalidPoolSize"
            }
        }

        /// Lets a `catch` clause match a code: `catch BatchError.notFound { … }`.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? BatchError)?.code == code
        }
    }

    /// What went wrong.
    public let code: Code
    /// The name of the loader or batch function at fault (`BatchPool` for ``Code/invalidPoolSize``).
    public let loader: String
    /// The key at fault, as text, for ``Code/notFound``.
    public let key: String?
    /// How many keys the batch function was given, for ``Code/wrongResultCount``; the `maxBatchSize` or pool size
    /// given, for ``Code/invalidMaxBatchSize`` and ``Code/invalidPoolSize``.
    public let expectedCount: Int?
    /// How many results it returned, for ``Code/wrongResultCount``.
    public let actualCount: Int?

    /// A batch function returned a number of results different from the number of keys it was given.
    public static let wrongResultCount = Code.wrongResultCount
    /// A loader's batch function returned no value for a key.
    public static let notFound = Code.notFound
    /// A loader or batch function was made with a `maxBatchSize` below 1.
    public static let invalidMaxBatchSize = Code.invalidMaxBatchSize
    /// A ``BatchPool`` was made with fewer than one slot.
    public static let invalidPoolSize = Code.invalidPoolSize

    static func invalidPoolSize(_ size: Int) -> BatchError {
        BatchError(code: .invalidPoolSize, loader: "BatchPool", key: nil, expectedCount: size, actualCount: nil)
    }

    @usableFromInline
    static func invalidMaxBatchSize(loader: String, value: Int) -> BatchError {
        BatchError(code: .invalidMaxBatchSize, loader: loader, key: nil, expectedCount: value, actualCount: nil)
    }

    @usableFromInline
    static func wrongResultCount(loader: String, expected: Int, actual: Int) -> BatchError {
        BatchError(code: .wrongResultCount, loader: loader, key: nil, expectedCount: expected, actualCount: actual)
    }

    @usableFromInline
    static func notFound(loader: String, key: some Sendable) -> BatchError {
        BatchError(code: .notFound, loader: loader, key: String(describing: key), expectedCount: nil, actualCount: nil)
    }

    public var description: String {
        switch code {
        case .wrongResultCount:
            "batch function '\(loader)' returned \(actualCount ?? 0) results for \(expectedCount ?? 0) keys"
        case .invalidPoolSize:
            "a BatchPool was made with size \(expectedCount ?? 0): it needs at least one slot"
        case .invalidMaxBatchSize:
            "'\(loader)' was made with maxBatchSize \(expectedCount ?? 0): it must be at least 1, or nil for no limit"
        default:
            "loader '\(loader)' found no value for key \(key ?? "?")"
        }
    }
}
