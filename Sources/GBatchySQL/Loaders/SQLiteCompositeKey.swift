/// A key of two or more columns, as table loaders tell composite keys apart and send them to SQLite.
///
/// A composite-key loader (``CompositeKeyLoader``, ``CompositeKeyGroupLoader``) turns each caller's tuple into one
/// `SQLiteCompositeKey`: the ``SQLiteKey/sqliteIdentity`` of each part, in the order of the key columns. Two keys are
/// the same key when every part is (text byte-wise, as SQLite compares it). The batch binds the distinct keys as one
/// JSON array of arrays (``sqliteJSONElement()``), and each column is matched with its element, as
/// `WHERE "a" = ? AND "b" = ?` would match it.
///
/// ```swift
/// let entry = try await playlistEntry.load((3, 1077))   // the key [3, 1077]
/// ```
///
/// A key with a `nil` part never matches a row (SQL `NULL` equals nothing): it is not sent, and answers `nil` (or
/// `[]`). It cannot be read back from a single column: ``init(sqliteKeyValue:)`` always fails. `SQLiteCompositeKey`
/// is a `Sendable` value.
public struct SQLiteCompositeKey: SQLiteKey, CustomStringConvertible {
    /// The parts, each a key's ``SQLiteKey/sqliteIdentity``, in the order of the key columns.
    public let parts: [any SQLiteKey]

    /// Wraps `parts`: give each part's ``SQLiteKey/sqliteIdentity``, so that text compares byte-wise.
    ///
    /// ```swift
    /// let key = SQLiteCompositeKey([3, "rock".sqliteIdentity])
    /// ```
    ///
    /// - Parameter parts: The parts, in the order of the key columns.
    @inlinable
    public init(_ parts: [any SQLiteKey]) {
        self.parts = parts
    }

    /// Whether both keys have as many parts, each equal to the other's.
    public static func == (lhs: SQLiteCompositeKey, rhs: SQLiteCompositeKey) -> Bool {
        func equal<Part: Equatable>(_ part: Part, _ other: any SQLiteKey) -> Bool {
            guard let other = other as? Part else { return false }
            return part == other
        }
        guard lhs.parts.count == rhs.parts.count else { return false }
        for (left, right) in zip(lhs.parts, rhs.parts) {
            let part: any SQLiteKey = left
            guard equal(part, right) else { return false }
        }
        return true
    }

    /// Hashes the parts in order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(parts.count)
        for part in parts { part.hash(into: &hasher) }
    }

    /// The key as one JSON array of its parts' elements, or `nil` when a part is `nil`.
    ///
    /// ```swift
    /// try SQLiteCompositeKey([3, 1077]).sqliteJSONElement()  // "[3,1077]"
    /// ```
    ///
    /// - Returns: The JSON array, or `nil`.
    /// - Throws: What a part throws (``TableLoaderError/Code/unsupportedKey`` for text containing a NUL).
    public func sqliteJSONElement() throws -> String? {
        var json = "["
        for (position, part) in parts.enumerated() {
            guard let element = try part.sqliteJSONElement() else { return nil }
            if position > 0 { json += "," }
            json += element
        }
        return json + "]"
    }

    /// Always fails: a composite key is not one column's value.
    ///
    /// - Parameter sqliteKeyValue: A column value.
    public init?(sqliteKeyValue: SQLiteValue) { nil }

    /// The key's JSON array as text, or `NULL` when it has none (a `nil` part, or text containing a NUL): what a
    /// loader binds for it inside the batch's array.
    public var sqliteValue: SQLiteValue {
        guard let json = try? sqliteJSONElement() else { return .null }
        return .text(json)
    }

    /// The parts in parentheses, such as `(3, 1077)`.
    public var description: String {
        "(" + parts.map { String(reflecting: $0) }.joined(separator: ", ") + ")"
    }
}
