/// A key of two or more columns, as table loaders tell composite keys apart and send them to SQLite.
///
/// A composite-key loader (``CompositeKeyLoader``, ``CompositeKeyGroupLoader``) turns each caller's tuple into one
/// `SQLiteCompositeKey`: the ``SQLiteKey/sqliteIdentity`` of each part, in the order of the key columns. Two keys are
/// the same key when their parts write the same JSON array (text byte-wise, as SQLite compares it). The batch binds
/// the distinct keys as one JSON array of arrays (``sqliteJSONElement()``), and each column is matched with its
/// element, as `WHERE "a" = ? AND "b" = ?` would match it.
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
    /// The key's JSON array, written once when every part has an element; `nil` when a part is `nil` or cannot be
    /// sent (the parts then tell keys apart, and ``sqliteJSONElement()`` answers or throws from them).
    @usableFromInline let json: String?

    /// Wraps `parts`: give each part's ``SQLiteKey/sqliteIdentity``, so that text compares byte-wise.
    ///
    /// ```swift
    /// let key = SQLiteCompositeKey([3, "rock".sqliteIdentity])
    /// ```
    ///
    /// - Parameter parts: The parts, in the order of the key columns.
    public init(_ parts: [any SQLiteKey]) {
        self.parts = parts
        self.json = try? Self.array(of: parts)
    }

    /// The key of two parts, its JSON array written without dynamic dispatch.
    ///
    /// ```swift
    /// let key = SQLiteCompositeKey(3, 1077)
    /// ```
    ///
    /// - Parameters:
    ///   - first: The first column's value, as its ``SQLiteKey/sqliteIdentity``.
    ///   - second: The second column's value.
    @inlinable
    public init<A: SQLiteKey, B: SQLiteKey>(_ first: A, _ second: B) {
        parts = [first, second]
        if let a = try? first.sqliteJSONElement(), let b = try? second.sqliteJSONElement() {
            json = "[" + a + "," + b + "]"
        } else {
            json = nil
        }
    }

    /// The key of three parts, its JSON array written without dynamic dispatch.
    ///
    /// ```swift
    /// let key = SQLiteCompositeKey(1, 2, 1)
    /// ```
    ///
    /// - Parameters:
    ///   - first: The first column's value, as its ``SQLiteKey/sqliteIdentity``.
    ///   - second: The second column's value.
    ///   - third: The third column's value.
    @inlinable
    public init<A: SQLiteKey, B: SQLiteKey, C: SQLiteKey>(_ first: A, _ second: B, _ third: C) {
        parts = [first, second, third]
        if let a = try? first.sqliteJSONElement(), let b = try? second.sqliteJSONElement(),
            let c = try? third.sqliteJSONElement()
        {
            json = "[" + a + "," + b + "," + c + "]"
        } else {
            json = nil
        }
    }

    /// Whether both keys write the same JSON array, byte for byte; without one, whether their parts are equal.
    public static func == (lhs: SQLiteCompositeKey, rhs: SQLiteCompositeKey) -> Bool {
        if let left = lhs.json, let right = rhs.json { return SQLiteTextKey(left) == SQLiteTextKey(right) }
        guard lhs.json == nil, rhs.json == nil, lhs.parts.count == rhs.parts.count else { return false }
        func equal<Part: Equatable>(_ part: Part, _ other: any SQLiteKey) -> Bool {
            guard let other = other as? Part else { return false }
            return part == other
        }
        for (left, right) in zip(lhs.parts, rhs.parts) {
            let part: any SQLiteKey = left
            guard equal(part, right) else { return false }
        }
        return true
    }

    /// Hashes the JSON array's bytes, or the parts in order.
    public func hash(into hasher: inout Hasher) {
        if let json {
            SQLiteTextKey(json).hash(into: &hasher)
            return
        }
        hasher.combine(parts.count)
        for part in parts { part.hash(into: &hasher) }
    }

    /// The key as one JSON array of its parts' elements, or `nil` when a part is `nil`.
    ///
    /// ```swift
    /// try SQLiteCompositeKey(3, 1077).sqliteJSONElement()  // "[3,1077]"
    /// ```
    ///
    /// - Returns: The JSON array, or `nil`.
    /// - Throws: What a part throws (``TableLoaderError/Code/unsupportedKey`` for text containing a NUL).
    public func sqliteJSONElement() throws -> String? {
        if let json { return json }
        return try Self.array(of: parts)
    }

    /// The JSON array of `parts`' elements, or `nil` when one is `nil`.
    private static func array(of parts: [any SQLiteKey]) throws -> String? {
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
