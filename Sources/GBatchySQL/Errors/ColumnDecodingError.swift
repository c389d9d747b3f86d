/// An error thrown when a result row cannot be decoded into the requested Swift type.
///
/// `ColumnDecodingError` is `Sendable`. Its description names the column, the Swift type, what the column held, the SQL
/// and, when the caller knows it, the table. Three kinds exist: a `NULL` in a non-optional field, a type mismatch
/// (text in an `Int`, `1.5` or `3000000000` in an `Int32`…), and a column missing from the result.
///
/// ```swift
/// do {
///     let rows = try await db.query("SELECT id FROM users", as: User.self)
///     print(rows)
/// } catch let error as ColumnDecodingError where error.kind == .missingColumn {
///     print(error.column)  // "name"
/// }
/// ```
public struct ColumnDecodingError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New kinds may be added without breaking callers.
    ///
    /// Compare with `==` against the static members.
    ///
    /// ```swift
    /// if error.kind == .nullValue { print("unexpected NULL") }
    /// ```
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case nullValue, typeMismatch, missingColumn
        }

        private let base: Base

        /// The column is `NULL` but the Swift property is not optional.
        public static let nullValue = Kind(base: .nullValue)
        /// The column's value cannot be represented by the Swift type.
        public static let typeMismatch = Kind(base: .typeMismatch)
        /// The result has no column of that name.
        public static let missingColumn = Kind(base: .missingColumn)

        /// The kind's name: `nullValue`, `typeMismatch` or `missingColumn`.
        ///
        /// Used in ``ColumnDecodingError/description``.
        ///
        /// ```swift
        /// print(ColumnDecodingError.Kind.nullValue)  // nullValue
        /// ```
        public var description: String {
            switch base {
            case .nullValue: return "nullValue"
            case .typeMismatch: return "typeMismatch"
            case .missingColumn: return "missingColumn"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The column name (the `CodingKey` string value).
    public let column: String
    /// The Swift type that was requested, such as `Int32` or `Optional<Date>`.
    public let expectedType: String
    /// What the column held, such as `TEXT "abc"`, `REAL 1.5`, `NULL`, or the available columns when it is missing.
    public let found: String
    /// The SQL of the statement whose row was decoded.
    public let sql: String
    /// The table being loaded, when the caller passed it.
    public let table: String?

    /// Creates an error.
    ///
    /// The library creates these while decoding; the initializer is public for tests and adapters.
    ///
    /// ```swift
    /// let error = ColumnDecodingError(
    ///     kind: .nullValue, column: "name", expectedType: "String", found: "NULL", sql: "SELECT name FROM users")
    /// ```
    ///
    /// - Parameters:
    ///   - kind: What went wrong.
    ///   - column: The column name.
    ///   - expectedType: The Swift type requested.
    ///   - found: What the column held.
    ///   - sql: The statement's SQL.
    ///   - table: The table, if known.
    public init(kind: Kind, column: String, expectedType: String, found: String, sql: String, table: String? = nil) {
        self.kind = kind
        self.column = column
        self.expectedType = expectedType
        self.found = found
        self.sql = sql
        self.table = table
    }

    /// A one-line description naming the column, the type, the value found, the table and the SQL.
    ///
    /// For example: `Cannot decode column "age" of table users as Int32: found TEXT "abc" — SQL: SELECT …`. What was
    /// found and the SQL are cut after a few hundred characters, so the description stays short whatever they hold.
    ///
    /// ```swift
    /// print(error)
    /// ```
    public var description: String {
        let place = table.map { "column \"\(column)\" of table \($0)" } ?? "column \"\(column)\""
        let reason: String
        let found = abbreviated(found, limit: 300)
        switch kind {
        case .nullValue: reason = "found NULL but the property is not optional"
        case .missingColumn: reason = "the result has no such column (\(found))"
        default: reason = "found \(found)"
        }
        return "Cannot decode \(place) as \(abbreviated(expectedType, limit: 200)): \(reason) — SQL: "
            + abbreviated(sql, limit: 300)
    }
}

/// `text` itself if it has at most `limit` characters, else its first `limit` characters, an ellipsis and the full
/// length: for error messages that quote user data.
func abbreviated(_ text: String, limit: Int) -> String {
    var end = text.startIndex
    // Walks at most `limit + 1` characters, so a huge text costs no more than a short one.
    guard text.formIndex(&end, offsetBy: limit, limitedBy: text.endIndex), end != text.endIndex else { return text }
    return "\(text[..<end])… (\(text.utf8.count) bytes)"
}
