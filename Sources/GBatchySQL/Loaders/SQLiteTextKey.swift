/// A `String` key as SQLite compares bound text: by its UTF-8 bytes.
///
/// Swift's `==` on `String` equates canonically equivalent strings ("é" as one scalar and as "e" + U+0301); SQLite
/// stores and compares their different bytes. A table loader of `String` keys deduplicates and caches them as
/// `SQLiteTextKey` values, so that each string gets the rows SQLite matches for it.
///
/// ```swift
/// SQLiteTextKey("\u{E9}") == SQLiteTextKey("e\u{301}")  // false
/// ```
///
/// `SQLiteTextKey` is a `Sendable` value.
public struct SQLiteTextKey: SQLiteKey, CustomStringConvertible, CustomDebugStringConvertible {
    /// The string.
    public let text: String

    /// Wraps `text`.
    ///
    /// - Parameter text: The string.
    @inlinable
    public init(_ text: String) {
        self.text = text
    }

    /// Whether both strings have the same UTF-8 bytes.
    @inlinable
    public static func == (lhs: SQLiteTextKey, rhs: SQLiteTextKey) -> Bool {
        var (left, right) = (lhs.text, rhs.text)
        return left.withUTF8 { left in right.withUTF8 { right in left.elementsEqual(right) } }
    }

    /// Hashes the UTF-8 bytes.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    /// The string as ``SQLiteValue/text(_:)``.
    public var sqliteValue: SQLiteValue { .text(text) }

    /// The string's JSON element (see `String.sqliteJSONElement()`).
    ///
    /// - Returns: The quoted, escaped JSON string.
    /// - Throws: ``TableLoaderError`` (``TableLoaderError/Code/unsupportedKey``) when the string contains a NUL.
    public func sqliteJSONElement() throws -> String? { try text.sqliteJSONElement() }

    /// Reads a string as `String(sqliteKeyValue:)` does.
    ///
    /// - Parameter sqliteKeyValue: A key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        guard let text = String(sqliteKeyValue: sqliteKeyValue) else { return nil }
        self.text = text
    }

    /// The string.
    public var description: String { text }

    /// The string, quoted and escaped as Swift shows it.
    public var debugDescription: String { text.debugDescription }
}
