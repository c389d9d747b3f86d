/// A custom SQL loader's statement cannot be used as written: it names what is wrong and shows the SQL.
///
/// ``SQLiteSource/sqlLoader(_:key:reads:sql:_:caching:maxBatchSize:name:)`` checks its statement at first use, before
/// it runs: exactly one `:keys` marker, one statement, read-only, the key column among its result columns, one value
/// for each other parameter, and every table it reads declared in `reads`. Every key of the batch fails with the
/// error; the next batch checks again.
///
/// ```swift
/// do {
///     _ = try await bigOrders.load(7)
/// } catch let error as SQLLoaderError where error.code == .notReadOnly {
///     print(error)  // the statement of sqlLoader "orders.customer_id" writes to the database; …
/// }
/// ```
///
/// `SQLLoaderError` is `Sendable`. New codes may be added later without breaking callers.
public struct SQLLoaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the statement.
    ///
    /// ```swift
    /// if error.code == .keysMarker { print("mark where the keys go with IN (:keys)") }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case keysMarker, multipleStatements, notReadOnly, missingKeyColumn, argumentCount, undeclaredTable
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The SQL has no `:keys` marker, or more than one (outside literals and comments).
        public static let keysMarker = Code(.keysMarker)
        /// The SQL holds more than one statement.
        public static let multipleStatements = Code(.multipleStatements)
        /// The statement may write to the database (`sqlite3_stmt_readonly` is false).
        public static let notReadOnly = Code(.notReadOnly)
        /// The key column is not among the statement's result columns.
        public static let missingKeyColumn = Code(.missingKeyColumn)
        /// The values given do not match the statement's other parameters.
        public static let argumentCount = Code(.argumentCount)
        /// The statement reads a table that `reads` does not declare, so a write to it would not clear the loader.
        public static let undeclaredTable = Code(.undeclaredTable)

        /// The code's name, such as `keysMarker`.
        ///
        /// ```swift
        /// print(SQLLoaderError.Code.notReadOnly)  // notReadOnly
        /// ```
        public var description: String {
            switch base {
            case .keysMarker: "keysMarker"
            case .multipleStatements: "multipleStatements"
            case .notReadOnly: "notReadOnly"
            case .missingKeyColumn: "missingKeyColumn"
            case .argumentCount: "argumentCount"
            case .undeclaredTable: "undeclaredTable"
            }
        }
    }

    /// What is wrong.
    public let code: Code
    /// The loader's name.
    public let loader: String
    /// The SQL as given.
    public let sql: String
    /// What was found: the marker count, the result columns, the parameter count or the undeclared table.
    public let detail: String

    init(_ code: Code, loader: String, sql: String, detail: String) {
        self.code = code
        self.loader = loader
        self.sql = sql
        self.detail = detail
    }

    /// A sentence naming the loader, what is wrong and the SQL.
    ///
    /// ```swift
    /// print(error)  // the statement of sqlLoader "orders.customer_id" has 2 :keys markers; …
    /// ```
    public var description: String {
        let subject = "the statement of sqlLoader \(quoted(loader))"
        let problem: String
        switch code {
        case .keysMarker:
            problem =
                "has \(detail) :keys markers; mark where the keys go exactly once, as in `WHERE id IN (:keys)`"
        case .multipleStatements:
            problem = "holds more than one statement (\(detail) follows the first); give exactly one SELECT"
        case .notReadOnly:
            problem = "writes to the database; a loader runs read-only statements only"
        case .missingKeyColumn:
            problem = "returns no key column \(detail)"
        case .argumentCount:
            problem = detail
        default:
            problem =
                "reads table \(quoted(detail)), which `reads` does not declare: a write to it would not clear"
                + " the loader"
        }
        return "\(subject) \(problem): \(sql.replacingOccurrences(of: "\0", with: "\\0"))"
    }
}
