import Foundation

/// A value as SQLite stores it: one of its five storage classes.
///
/// `SQLiteValue` is what a statement binds and what a column holds before it is decoded. It is `Sendable` and
/// `Hashable`, and it can be written as a literal, so it mixes freely with other ``SQLiteBindable`` values.
///
/// ```swift
/// let values: [SQLiteValue] = [1, 2.5, "Ann", nil, .blob(Data([0xFF]))]
/// try await db.execute("INSERT INTO t(a, b, c, d, e) VALUES (?, ?, ?, ?, ?)", values)
/// ```
public enum SQLiteValue: Sendable, Hashable {
    /// A 64-bit signed integer (`INTEGER`).
    case integer(Int64)
    /// A 64-bit IEEE floating point number (`REAL`).
    case real(Double)
    /// UTF-8 text (`TEXT`).
    case text(String)
    /// Raw bytes (`BLOB`).
    case blob(Data)
    /// SQL `NULL`.
    case null
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    /// Creates an ``SQLiteValue/integer(_:)`` from an integer literal.
    ///
    /// The literal is stored as a 64-bit integer.
    ///
    /// ```swift
    /// let value: SQLiteValue = 42   // .integer(42)
    /// ```
    ///
    /// - Parameter value: The literal.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    /// Creates an ``SQLiteValue/real(_:)`` from a floating point literal.
    ///
    /// The literal is stored as a `Double`.
    ///
    /// ```swift
    /// let value: SQLiteValue = 2.5  // .real(2.5)
    /// ```
    ///
    /// - Parameter value: The literal.
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    /// Creates an ``SQLiteValue/text(_:)`` from a string literal.
    ///
    /// The literal is stored as UTF-8 text.
    ///
    /// ```swift
    /// let value: SQLiteValue = "Ann"  // .text("Ann")
    /// ```
    ///
    /// - Parameter value: The literal.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    /// Creates an ``SQLiteValue/integer(_:)`` of 1 or 0 from a Boolean literal.
    ///
    /// SQLite has no Boolean storage class: `true` is stored as 1 and `false` as 0.
    ///
    /// ```swift
    /// let value: SQLiteValue = true  // .integer(1)
    /// ```
    ///
    /// - Parameter value: The literal.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    /// Creates ``SQLiteValue/null`` from `nil`.
    ///
    /// Use it where an array of bound values needs a `NULL`.
    ///
    /// ```swift
    /// let value: SQLiteValue = nil  // .null
    /// ```
    ///
    /// - Parameter nilLiteral: The literal.
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue: CustomStringConvertible {
    /// A short, human-readable form of the value, as used in error messages: `INTEGER 3`, `TEXT "abc"`, `NULL`.
    ///
    /// Long text is cut at 40 characters and blobs show their size only.
    ///
    /// ```swift
    /// print(SQLiteValue.text("abc"))  // TEXT "abc"
    /// ```
    public var description: String {
        switch self {
        case .integer(let value): return "INTEGER \(value)"
        case .real(let value): return "REAL \(value)"
        case .text(let value):
            let shown = value.count > 40 ? value.prefix(40) + "…" : Substring(value)
            return "TEXT \"\(shown)\""
        case .blob(let value): return "BLOB (\(value.count) bytes)"
        case .null: return "NULL"
        }
    }
}
