import Foundation
import GBatchyCSQLite

/// A row type that a table loader reads column by column, by position, with no `Decodable` machinery.
///
/// `Decodable` rows need nothing but the conformance, and are the default; a `SQLiteRowDecodable` row names its
/// columns once and reads them by index, which costs what the raw SQLite C API costs. Pick it for the rows a hot path
/// loads by the thousand (see the README's measured difference); keep `Decodable` elsewhere.
///
/// The loader selects ``columns`` in order (checked against the table's schema at first use, ``SchemaError``), so
/// `row[0]` is the first of them. A column read as a type it does not hold throws a ``ColumnDecodingError`` naming the
/// table, the column and the Swift type, and fails the row's key alone, as a `Decodable` row's does.
///
/// ```swift
/// struct Item: SQLiteRowDecodable {
///     static let columns = ["id", "parent_id", "name", "score"]
///     let id: Int64, parentID: Int64?, name: String, score: Double
///
///     init(row: SQLiteColumns) throws {
///         id = try row[0]
///         parentID = try row[1]
///         name = try row[2]
///         score = try row[3]
///     }
/// }
///
/// let items = db.loader(Item.self, table: "items", key: "id")
/// ```
///
/// Conform a row type to one of `Decodable` and `SQLiteRowDecodable`: with both, `db.loader(…)` cannot choose between
/// them. Conforming types are `Sendable`.
public protocol SQLiteRowDecodable: Sendable {
    /// The columns the loader selects, in the order ``init(row:)`` reads them by position.
    ///
    /// ```swift
    /// static let columns = ["id", "name"]
    /// ```
    static var columns: [String] { get }

    /// Reads one row: column `i` is `Self.columns[i]`.
    ///
    /// ```swift
    /// init(row: SQLiteColumns) throws { id = try row[0]; name = try row[1] }
    /// ```
    ///
    /// - Parameter row: The current row; valid only during this call.
    /// - Throws: ``ColumnDecodingError``, or any error of the type's own checks (it fails the row's key).
    init(row: SQLiteColumns) throws
}

/// The current row of a loader's query, read by column position; valid only during ``SQLiteRowDecodable/init(row:)``.
///
/// ```swift
/// let name: String = try row[2]
/// let bio = try row[3, as: String?.self]
/// ```
///
/// Not `Sendable`: it reads a statement that belongs to one connection's thread.
public struct SQLiteColumns {
    @usableFromInline let statement: SQLiteStatement
    /// The number of the row's own columns: the loader's key position or key column after them is not the row's.
    public let count: Int

    @usableFromInline
    init(statement: SQLiteStatement, count: Int) {
        self.statement = statement
        self.count = min(count, statement.columnNames.count)
    }

    /// The value of column `index` as `T`.
    ///
    /// ```swift
    /// let id: Int64 = try row[0]
    /// ```
    ///
    /// - Parameter index: The 0-based position in ``SQLiteRowDecodable/columns``.
    /// - Throws: ``ColumnDecodingError`` naming the table, the column and `T`: ``ColumnDecodingError/Kind/nullValue``
    ///   for a `NULL` in a non-optional, ``ColumnDecodingError/Kind/typeMismatch`` for a value `T` cannot hold, and
    ///   ``ColumnDecodingError/Kind/missingColumn`` for an index past the last column.
    @inlinable
    public subscript<T: SQLiteColumnValue>(_ index: Int) -> T {
        get throws { try T.read(from: self, at: index) }
    }

    /// The value of column `index` as `type`, for where the type cannot be inferred.
    ///
    /// ```swift
    /// let score = try row[3, as: Double.self]
    /// ```
    ///
    /// - Parameters:
    ///   - index: The 0-based position in ``SQLiteRowDecodable/columns``.
    ///   - type: The type to read.
    /// - Throws: See ``subscript(_:)``.
    @inlinable
    public subscript<T: SQLiteColumnValue>(_ index: Int, as type: T.Type) -> T {
        get throws { try T.read(from: self, at: index) }
    }

    /// Whether column `index` is `NULL` (or past the last column).
    ///
    /// ```swift
    /// if row.isNull(3) { … }
    /// ```
    ///
    /// - Parameter index: The 0-based position.
    public func isNull(_ index: Int) -> Bool {
        guard let column = column(index) else { return true }
        return statement.isNull(at: column)
    }

    /// The SQLite column index of position `index`, or `nil` past the last column.
    func column(_ index: Int) -> Int32? {
        guard index >= 0, index < count else { return nil }
        return Int32(index)
    }

    /// Reads column `index` with `read`, or throws ``ColumnDecodingError/Kind/missingColumn`` past the last column.
    func read<T>(_ index: Int, as type: T.Type, _ read: (Int32, String) throws -> T) throws -> T {
        guard let column = column(index) else {
            throw statement.missingColumnError("#\(index)", type: type)
        }
        return try read(column, statement.columnNames[index])
    }
}

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
