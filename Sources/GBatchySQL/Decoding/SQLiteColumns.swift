import Foundation
import GBatchyCSQLite

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
