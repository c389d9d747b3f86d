import Foundation

/// A page loader cannot answer a request: its cursor or size is not one it can use.
///
/// ```swift
/// do {
///     _ = try PageCursor("not a cursor")
/// } catch let error as PageLoaderError where error.code == .malformedCursor {
///     print(error)  // the cursor "not a cursor" is not a page cursor …
/// }
/// ```
///
/// `PageLoaderError` is `Sendable`. New codes may be added later without breaking callers.
public struct PageLoaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case malformedCursor, invalidPageSize
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The text is no cursor, or the cursor is not one of this loader's.
        public static let malformedCursor = Code(.malformedCursor)
        /// The page size is negative.
        public static let invalidPageSize = Code(.invalidPageSize)

        /// The code's name, such as `malformedCursor`.
        public var description: String {
            switch base {
            case .malformedCursor: "malformedCursor"
            case .invalidPageSize: "invalidPageSize"
            }
        }
    }

    /// What is wrong.
    public let code: Code
    /// The cursor text or the page size, as given (cut to 80 characters).
    public let value: String
    /// The loader's table, when known.
    public let table: String?

    package static func malformedCursor(_ text: String, table: String? = nil) -> PageLoaderError {
        let shown = text.replacingOccurrences(of: "\0", with: "\\0")
        return PageLoaderError(
            code: .malformedCursor,
            value: shown.count > 80 ? String(shown.prefix(80)) + "…" : shown,
            table: table
        )
    }

    package static func invalidPageSize(_ first: Int, table: String) -> PageLoaderError {
        PageLoaderError(code: .invalidPageSize, value: "\(first)", table: table)
    }

    /// A sentence naming the cursor or size and the table.
    public var description: String {
        let loader =
            table.map {
                " for the page loader of \"\($0.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\0", with: "\\0"))\""
            } ?? ""
        switch code {
        case .malformedCursor:
            return "the cursor \(value.debugDescription) is not a page cursor\(loader): pass an endCursor this loader"
                + " returned"
        default:
            return "page size \(value)\(loader) is negative: ask for first: 0 or more rows"
        }
    }
}
