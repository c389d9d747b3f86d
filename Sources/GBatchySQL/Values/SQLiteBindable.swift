import Foundation

/// A Swift value that can be bound to a `?` parameter of an SQL statement.
///
/// Conforming types convert themselves to an ``SQLiteValue``. The library provides conformances for `Int`, `Int64`,
/// `Int32`, `Double`, `Float`, `Bool`, `String`, `Data`, `[UInt8]`, `Date`, `UUID`, ``SQLiteValue`` and `Optional`
/// of any of them. Storage conventions:
///
/// - `Bool` is stored as the integer 0 or 1.
/// - `Date` is stored as UTC text `yyyy-MM-dd HH:mm:ss.SSS`.
/// - `UUID` is stored as its uppercase `uuidString` text.
/// - `nil` is stored as `NULL`.
///
/// A `RawRepresentable` type whose raw value is bindable opts in with an empty conformance and uses its raw value.
/// The protocol requires `Sendable` because bound values travel to the connection's thread.
///
/// ```swift
/// enum Role: String, SQLiteBindable { case admin, member }
/// try await db.execute("INSERT INTO users(id, name, role) VALUES (?, ?, ?)", [1, "Ann", Role.admin])
/// ```
public protocol SQLiteBindable: Sendable {
    /// The value to bind.
    ///
    /// It is read once per bind, on the connection's thread.
    ///
    /// ```swift
    /// let value = 42.sqliteValue  // .integer(42)
    /// ```
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteBindable where Self: RawRepresentable, RawValue: SQLiteBindable {
    /// The raw value, bound as it would be on its own.
    ///
    /// This default lets an enum opt in with an empty conformance.
    ///
    /// ```swift
    /// enum Color: Int, SQLiteBindable { case red = 1, green = 2 }
    /// let value = Color.green.sqliteValue  // .integer(2)
    /// ```
    public var sqliteValue: SQLiteValue { rawValue.sqliteValue }
}

extension SQLiteValue: SQLiteBindable {
    /// The value itself.
    ///
    /// Binding an ``SQLiteValue`` passes it through unchanged.
    ///
    /// ```swift
    /// let value = SQLiteValue.null.sqliteValue  // .null
    /// ```
    public var sqliteValue: SQLiteValue { self }
}

extension Int: SQLiteBindable {
    /// The integer as ``SQLiteValue/integer(_:)``.
    ///
    /// `Int` is 64 bits wide on every supported platform.
    ///
    /// ```swift
    /// let value = 7.sqliteValue  // .integer(7)
    /// ```
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Int64: SQLiteBindable {
    /// The integer as ``SQLiteValue/integer(_:)``.
    ///
    /// No conversion takes place.
    ///
    /// ```swift
    /// let value = Int64.max.sqliteValue  // .integer(9223372036854775807)
    /// ```
    public var sqliteValue: SQLiteValue { .integer(self) }
}

extension Int32: SQLiteBindable {
    /// The integer as ``SQLiteValue/integer(_:)``.
    ///
    /// The value is widened to 64 bits.
    ///
    /// ```swift
    /// let value = Int32(7).sqliteValue  // .integer(7)
    /// ```
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Double: SQLiteBindable {
    /// The number as ``SQLiteValue/real(_:)``.
    ///
    /// No conversion takes place.
    ///
    /// ```swift
    /// let value = 2.5.sqliteValue  // .real(2.5)
    /// ```
    public var sqliteValue: SQLiteValue { .real(self) }
}

extension Float: SQLiteBindable {
    /// The number as ``SQLiteValue/real(_:)``.
    ///
    /// The value is widened to `Double`.
    ///
    /// ```swift
    /// let value = Float(0.5).sqliteValue  // .real(0.5)
    /// ```
    public var sqliteValue: SQLiteValue { .real(Double(self)) }
}

extension Bool: SQLiteBindable {
    /// The Boolean as the integer 1 (`true`) or 0 (`false`).
    ///
    /// SQLite has no Boolean storage class.
    ///
    /// ```swift
    /// let value = true.sqliteValue  // .integer(1)
    /// ```
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}

extension String: SQLiteBindable {
    /// The string as ``SQLiteValue/text(_:)``.
    ///
    /// It is bound as UTF-8; embedded NUL characters are kept.
    ///
    /// ```swift
    /// let value = "Ann".sqliteValue  // .text("Ann")
    /// ```
    public var sqliteValue: SQLiteValue { .text(self) }
}

extension Data: SQLiteBindable {
    /// The bytes as ``SQLiteValue/blob(_:)``.
    ///
    /// An empty `Data` is bound as an empty blob, not as `NULL`.
    ///
    /// ```swift
    /// let value = Data([1, 2]).sqliteValue  // .blob(2 bytes)
    /// ```
    public var sqliteValue: SQLiteValue { .blob(self) }
}

extension Array: SQLiteBindable where Element == UInt8 {
    /// The bytes as ``SQLiteValue/blob(_:)``.
    ///
    /// Same as binding `Data(self)`.
    ///
    /// ```swift
    /// let value = [UInt8]([1, 2]).sqliteValue  // .blob(2 bytes)
    /// ```
    public var sqliteValue: SQLiteValue { .blob(Data(self)) }
}

extension Date: SQLiteBindable {
    /// The date as UTC text `yyyy-MM-dd HH:mm:ss.SSS`, rounded to the millisecond.
    ///
    /// This text sorts chronologically and is understood by SQLite's date functions. Reading accepts more formats:
    /// see ``SQLiteSource``. Only dates of the years 0000 to 9999 have such a text: binding any other date (or an
    /// infinite or NaN one) as a statement argument throws an ``SQLiteSourceError`` naming the parameter. This property,
    /// which cannot throw, gives such a date as its number of Unix seconds, ``SQLiteValue/real(_:)``.
    ///
    /// ```swift
    /// let value = Date(timeIntervalSince1970: 0).sqliteValue  // .text("1970-01-01 00:00:00.000")
    /// ```
    public var sqliteValue: SQLiteValue {
        SQLiteDateFormat.string(from: self).map(SQLiteValue.text) ?? .real(timeIntervalSince1970)
    }
}

extension UUID: SQLiteBindable {
    /// The UUID as its uppercase `uuidString` text.
    ///
    /// Reading accepts text in any case, or a 16-byte blob.
    ///
    /// ```swift
    /// let value = UUID().sqliteValue  // .text("E621E1F8-C36C-495A-93FC-0C247A3E6E5F")
    /// ```
    public var sqliteValue: SQLiteValue { .text(uuidString) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    /// The wrapped value, or ``SQLiteValue/null`` for `nil`.
    ///
    /// Lets optional properties be bound directly.
    ///
    /// ```swift
    /// let email: String? = nil
    /// let value = email.sqliteValue  // .null
    /// ```
    public var sqliteValue: SQLiteValue {
        switch self {
        case .some(let wrapped): return wrapped.sqliteValue
        case .none: return .null
        }
    }
}

/// The value to bind for an argument: its ``SQLiteBindable/sqliteValue``, except that a `Date` (or an optional one)
/// without a text form is refused instead of being stored as a number.
func checkedSQLiteValue(of argument: any SQLiteBindable) throws(UnstorableDate) -> SQLiteValue {
    guard let date = argument as? Date else { return argument.sqliteValue }
    guard let text = SQLiteDateFormat.string(from: date) else { throw UnstorableDate(date: date) }
    return .text(text)
}
