import Foundation

/// A result row as column names and ``SQLiteValue``s, for queries whose shape is not known at compile time.
///
/// `SQLiteSourceRow` is `Sendable` and `Hashable`. It decodes only from rows of this library: use it as the `as:` type of a
/// query. Prefer a `Decodable` struct when the columns are known; it is faster.
///
/// ```swift
/// let rows = try await db.query("SELECT id, name FROM users", as: SQLiteSourceRow.self)
/// print(rows[0]["name"] ?? .null)  // TEXT "Ann"
/// ```
public struct SQLiteSourceRow: Sendable, Hashable, Decodable {
    /// The column names, in result order.
    public let columns: [String]
    /// The values, in the same order as ``columns``.
    public let values: [SQLiteValue]

    /// Creates a row from names and values of the same count.
    ///
    /// Mostly useful in tests.
    ///
    /// ```swift
    /// let row = SQLiteSourceRow(columns: ["id"], values: [1])
    /// ```
    ///
    /// - Parameters:
    ///   - columns: The column names.
    ///   - values: The values.
    public init(columns: [String], values: [SQLiteValue]) {
        precondition(columns.count == values.count, "SQLiteSourceRow needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// Reads the current row of a statement.
    ///
    /// Only the library's row decoder can provide a row.
    ///
    /// ```swift
    /// let rows = try await db.query("SELECT 1 AS one", as: SQLiteSourceRow.self)
    /// ```
    ///
    /// - Parameter decoder: The library's row decoder.
    /// - Throws: `DecodingError.typeMismatch` for any other decoder.
    public init(from decoder: any Decoder) throws {
        guard let rowDecoder = decoder as? RowDecoder else {
            throw DecodingError.typeMismatch(
                SQLiteSourceRow.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "SQLiteSourceRow decodes only from GBatchySQL rows"
                )
            )
        }
        let statement = rowDecoder.statement
        columns = statement.columnNames
        values = (0..<Int32(statement.columnNames.count)).map { statement.value(at: $0) }
    }

    /// The value of the first column with that name, or `nil` if there is no such column.
    ///
    /// A `NULL` column gives ``SQLiteValue/null``, not `nil`.
    ///
    /// ```swift
    /// let name = row["name"]
    /// ```
    ///
    /// - Parameter column: A column name.
    public subscript(column: String) -> SQLiteValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }
}
