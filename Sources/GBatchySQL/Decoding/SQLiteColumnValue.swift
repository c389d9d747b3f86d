import Foundation
import GBatchyCSQLite

/// A Swift type that a ``SQLiteRowDecodable`` row reads from one column: `Int`, `Int64`, `Int32`, `Double`,
/// `String`, `Data`, `Bool`, `Date`, `UUID`, and `Optional` of any of them (`NULL` reads as `nil`).
///
/// Storage follows ``SQLiteBindable``: a `Date` from ISO-8601 text or Unix seconds, a `UUID` from text or 16 bytes, a
/// `Bool` from an integer. Conform a type of your own by reading one of these:
///
/// ```swift
/// extension Status: SQLiteColumnValue {
///     static func read(from row: SQLiteColumns, at index: Int) throws -> Status {
///         Status(rawValue: try row[index]) ?? .unknown
///     }
/// }
/// ```
public protocol SQLiteColumnValue {
    /// Reads column `index` of `row`.
    ///
    /// - Parameters:
    ///   - row: The current row.
    ///   - index: The 0-based column position.
    /// - Returns: The value.
    /// - Throws: ``ColumnDecodingError``.
    static func read(from row: SQLiteColumns, at index: Int) throws -> Self
}

extension Int: SQLiteColumnValue {
    /// Reads an integer, or a real number holding exactly an integer.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Int {
        try row.read(index, as: Int.self) { try row.statement.readInteger(Int.self, at: $0, column: $1) }
    }
}

extension Int64: SQLiteColumnValue {
    /// Reads an integer, or a real number holding exactly an integer.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Int64 {
        try row.read(index, as: Int64.self) { try row.statement.readInteger(Int64.self, at: $0, column: $1) }
    }
}

extension Int32: SQLiteColumnValue {
    /// Reads an integer that fits, or a real number holding exactly one.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Int32 {
        try row.read(index, as: Int32.self) { try row.statement.readInteger(Int32.self, at: $0, column: $1) }
    }
}

extension Double: SQLiteColumnValue {
    /// Reads a real number or an integer.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Double {
        try row.read(index, as: Double.self) { try row.statement.readDouble(at: $0, column: $1) }
    }
}

extension Bool: SQLiteColumnValue {
    /// Reads a number: 0 is `false`, anything else `true`.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Bool {
        try row.read(index, as: Bool.self) { try row.statement.readBool(at: $0, column: $1) }
    }
}

extension String: SQLiteColumnValue {
    /// Reads text.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> String {
        try row.read(index, as: String.self) { try row.statement.readString(at: $0, column: $1) }
    }
}

extension Data: SQLiteColumnValue {
    /// Reads a blob.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Data {
        try row.read(index, as: Data.self) { try row.statement.readData(at: $0, column: $1) }
    }
}

extension Date: SQLiteColumnValue {
    /// Reads ISO-8601 text (``SQLiteDateFormat``) or a number of Unix seconds.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Date {
        try row.read(index, as: Date.self) { try row.statement.readDate(at: $0, column: $1) }
    }
}

extension UUID: SQLiteColumnValue {
    /// Reads UUID text or a 16-byte blob.
    ///
    /// - Throws: ``ColumnDecodingError``.
    public static func read(from row: SQLiteColumns, at index: Int) throws -> UUID {
        try row.read(index, as: UUID.self) { try row.statement.readUUID(at: $0, column: $1) }
    }
}

extension Optional: SQLiteColumnValue where Wrapped: SQLiteColumnValue {
    /// `nil` for `NULL`, otherwise the wrapped type's value.
    ///
    /// - Throws: ``ColumnDecodingError`` from the wrapped type, or ``ColumnDecodingError/Kind/missingColumn`` past
    ///   the last column.
    @inlinable
    public static func read(from row: SQLiteColumns, at index: Int) throws -> Wrapped? {
        guard index < 0 || index >= row.count || !row.isNull(index) else { return nil }
        return try Wrapped.read(from: row, at: index)
    }
}
