/// A table loader names a table or column that the database does not have.
///
/// Table loaders check their table, key column, `orderBy` column and the columns their row type requires against
/// the schema when they are first used, and again when a query fails because the schema changed (a dropped column).
/// The description names what is missing, the table and the table's real columns.
///
/// ```swift
/// do {
///     _ = try await db.loader(User.self, table: "users", key: "nmae").load(1)
/// } catch let error as SchemaError where error.code == .unknownColumn {
///     print(error)  // table "users" has no column "nmae" (the key column); its columns are: id, uuid, handle
/// }
/// ```
///
/// `SchemaError` is `Sendable`. New codes may be added later without breaking callers.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is missing.
    ///
    /// ```swift
    /// if error.code == .unknownTable { print("no table", error.table) }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unknownTable, unknownColumn
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The database has no table of that name.
        public static let unknownTable = Code(.unknownTable)
        /// The table has no column of that name.
        public static let unknownColumn = Code(.unknownColumn)

        /// The code's name: `unknownTable` or `unknownColumn`.
        ///
        /// ```swift
        /// print(SchemaError.Code.unknownColumn)  // unknownColumn
        /// ```
        public var description: String {
            switch base {
            case .unknownTable: "unknownTable"
            case .unknownColumn: "unknownColumn"
            }
        }
    }

    /// What is missing.
    public let code: Code
    /// The table the loader reads (the missing table, for ``Code/unknownTable``).
    public let table: String
    /// The missing column, for ``Code/unknownColumn``.
    public let column: String?
    /// What the loader needed the column for: `the key column`, `the orderBy column`, or the row type's name.
    public let role: String?
    /// The table's real columns, in schema order; empty for ``Code/unknownTable``.
    public let existingColumns: [String]

    static func unknownTable(_ table: String) -> SchemaError {
        SchemaError(code: .unknownTable, table: table, column: nil, role: nil, existingColumns: [])
    }

    static func unknownColumn(_ column: String, role: String, table: String, existingColumns: [String])
        -> SchemaError
    {
        SchemaError(code: .unknownColumn, table: table, column: column, role: role, existingColumns: existingColumns)
    }

    /// A sentence naming what is missing, the table and its real columns.
    ///
    /// ```swift
    /// print(error)  // table "users" has no column "nmae" (the key column); its columns are: id, uuid, handle
    /// ```
    public var description: String {
        switch code {
        case .unknownTable:
            return "the database has no table \(quoted(table))"
        default:
            let purpose = role.map { " (\($0))" } ?? ""
            return "table \(quoted(table)) has no column \(quoted(column ?? "?"))\(purpose); its columns are: "
                + existingColumns.joined(separator: ", ")
        }
    }
}

/// `name` in double quotes, as SQL quotes identifiers, for messages; a NUL character shows as `\0`.
func quoted(_ name: String) -> String { sqlIdentifier(name).replacingOccurrences(of: "\0", with: "\\0") }
