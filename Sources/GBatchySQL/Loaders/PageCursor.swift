import Foundation

/// Where a page ends: an opaque cursor to pass as `after` for the next page.
///
/// A cursor holds the values its row has in the loader's `orderBy` column and in the table's primary key (the
/// tie-break, so that rows with equal `orderBy` values are neither repeated nor skipped), as a base64url string of a
/// JSON array. Keep it as text with ``description`` (a GraphQL `endCursor`) and read it back with ``init(_:)``, which
/// throws ``PageLoaderError`` for text that is no cursor. A cursor from another loader, or from before a schema
/// change that altered the primary key, fails its key with ``PageLoaderError/Code/malformedCursor``.
///
/// ```swift
/// let page = try await postsPage.load(7, first: 10)
/// let next = try await postsPage.load(7, first: 10, after: page.endCursor)
/// let text = page.endCursor?.description          // "WzEwLDEwXQ"
/// let again = try PageCursor(text ?? "")           // the same cursor
/// ```
///
/// `PageCursor` is a `Sendable` value.
public struct PageCursor: Hashable, Sendable, CustomStringConvertible {
    /// The JSON array of the row's values, exactly as sent to SQLite.
    let json: String
    /// How many values the array holds.
    let width: Int

    init(json: String, width: Int) {
        self.json = json
        self.width = width
    }

    /// Reads a cursor from its text.
    ///
    /// ```swift
    /// let cursor = try PageCursor("WzEwLDEwXQ")
    /// ```
    ///
    /// - Parameter text: A cursor's ``description``.
    /// - Throws: ``PageLoaderError`` with ``PageLoaderError/Code/malformedCursor`` when the text is not base64url of a
    ///   JSON array of numbers, strings and nulls.
    public init(_ text: String) throws {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard text.utf8.count <= 65_536, !text.contains("="), let data = Data(base64Encoded: base64),
            let json = String(data: data, encoding: .utf8),
            let array = try? JSONSerialization.jsonObject(with: data) as? [Any], !array.isEmpty,
            array.allSatisfy({ $0 is NSNumber || $0 is String || $0 is NSNull }),
            !json.contains("\\u0000")
        else {
            throw PageLoaderError.malformedCursor(text)
        }
        self.init(json: json, width: array.count)
    }

    /// The cursor as text: base64url without padding.
    public var description: String {
        Data(json.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// One page of a key's rows, as a GraphQL connection answers it.
///
/// ```swift
/// let page = try await postsPage.load(7, first: 10, after: cursor)
/// for post in page.rows { print(post.title) }
/// if page.hasNextPage { print("more after", page.endCursor!) }
/// ```
///
/// `Page` is `Sendable`.
public struct Page<Row: Sendable>: Sendable {
    /// The rows of the page, in the loader's order: at most `first`.
    public let rows: [Row]
    /// Whether rows follow the page's last row.
    public let hasNextPage: Bool
    /// The cursor of the page's last row, or `nil` for an empty page: pass it as `after` for the next page.
    public let endCursor: PageCursor?
}

/// A page loader's key: the key, the page size and the cursor it starts after.
///
/// Two requests are the same when their keys (told apart as SQLite compares them, ``SQLiteKey/sqliteIdentity``),
/// sizes and cursors are. Each request is one element of the batch's JSON array, `[key, first, cursor or null]`.
///
/// `PageRequest` is a `Sendable` value.
public struct PageRequest<Key: SQLiteKey>: SQLiteKey, CustomStringConvertible {
    /// The key.
    public let key: Key
    /// The most rows the page holds.
    public let first: Int
    /// The cursor the page starts after, or `nil` for the first page.
    public let after: PageCursor?

    /// A request for `first` rows of `key` after `after`.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - first: The page size.
    ///   - after: The cursor the page starts after, or `nil` for the first page.
    @inlinable
    public init(key: Key, first: Int, after: PageCursor?) {
        self.key = key
        self.first = first
        self.after = after
    }

    /// The request as a JSON array `[key, first, cursor or null]`, or `nil` when the key is `nil`.
    ///
    /// - Returns: The JSON array, or `nil`.
    /// - Throws: What the key throws.
    public func sqliteJSONElement() throws -> String? {
        guard let key = try key.sqliteJSONElement() else { return nil }
        return "[\(key),\(first),\(after?.json ?? "null")]"
    }

    /// Always fails: a request is not one column's value.
    ///
    /// - Parameter sqliteKeyValue: A column value.
    public init?(sqliteKeyValue: SQLiteValue) { nil }

    /// The request's JSON array as text, or `NULL`.
    public var sqliteValue: SQLiteValue {
        guard let json = try? sqliteJSONElement() else { return .null }
        return .text(json)
    }

    /// The request with its key's ``SQLiteKey/sqliteIdentity``.
    @inlinable
    public var sqliteIdentity: PageRequest<Key.SQLiteIdentity> {
        PageRequest<Key.SQLiteIdentity>(key: key.sqliteIdentity, first: first, after: after)
    }

    /// The key, the size and the cursor, such as `7 first 10 after WzEwLDEwXQ`.
    public var description: String {
        "\(String(reflecting: key)) first \(first)" + (after.map { " after \($0)" } ?? "")
    }
}

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

    static func malformedCursor(_ text: String, table: String? = nil) -> PageLoaderError {
        let shown = text.replacingOccurrences(of: "\0", with: "\\0")
        return PageLoaderError(
            code: .malformedCursor,
            value: shown.count > 80 ? String(shown.prefix(80)) + "…" : shown,
            table: table
        )
    }

    static func invalidPageSize(_ first: Int, table: String) -> PageLoaderError {
        PageLoaderError(code: .invalidPageSize, value: "\(first)", table: table)
    }

    /// A sentence naming the cursor or size and the table.
    public var description: String {
        let loader = table.map { " for the page loader of \(quoted($0))" } ?? ""
        switch code {
        case .malformedCursor:
            return "the cursor \(value.debugDescription) is not a page cursor\(loader): pass an endCursor this loader"
                + " returned"
        default:
            return "page size \(value)\(loader) is negative: ask for first: 0 or more rows"
        }
    }
}
