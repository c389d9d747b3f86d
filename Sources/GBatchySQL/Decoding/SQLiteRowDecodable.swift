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
