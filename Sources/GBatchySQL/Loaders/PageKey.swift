import Foundation

/// A page loader's key: the key, the page size and the cursor it starts after.
///
/// Two requests are the same when their keys (told apart as SQLite compares them, ``SQLiteKey/sqliteIdentity``),
/// sizes and cursors are. Each request is one element of the batch's JSON array, `[key, first, cursor or null]`.
///
/// `PageKey` is a `Sendable` value.
public struct PageKey<Key: SQLiteKey>: SQLiteKey, CustomStringConvertible {
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
    public var sqliteIdentity: PageKey<Key.SQLiteIdentity> {
        PageKey<Key.SQLiteIdentity>(key: key.sqliteIdentity, first: first, after: after)
    }

    /// The key, the size and the cursor, such as `7 first 10 after WzEwLDEwXQ`.
    public var description: String {
        "\(String(reflecting: key)) first \(first)" + (after.map { " after \($0)" } ?? "")
    }
}
