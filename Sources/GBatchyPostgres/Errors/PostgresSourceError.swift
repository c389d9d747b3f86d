import PostgresNIO

/// What went wrong in a PostgreSQL loader, query or write, with the table, column and SQL at fault.
///
/// Every waiter of a failed batch gets the same error. ``code`` says what kind of failure it is; ``sqlState`` is the
/// server's SQLSTATE when the server reported the error (`23505` for a unique violation, `57014` for a cancelled
/// statement or a `statement_timeout`, `57P01` when the server shut down).
///
/// ```swift
/// do {
///     _ = try await users.load(1)
/// } catch let error as PostgresSourceError where error.code == .unknownColumn {
///     print(error.column ?? "", error.table ?? "")
/// }
/// ```
public struct PostgresSourceError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The table does not exist (in the connection's `search_path`).
        public static let unknownTable = Code("unknownTable")
        /// A column the loader needs does not exist: the key, an `orderBy`, or one the row type decodes.
        public static let unknownColumn = Code("unknownColumn")
        /// The loader's definition is invalid: a filter that is not one expression, a negative limit, a table
        /// without the single-column primary key a many-to-many loader joins on.
        public static let invalidDefinition = Code("invalidDefinition")
        /// Two rows matched a key of a by-key loader.
        public static let duplicateKey = Code("duplicateKey")
        /// `loadRequired` found no row.
        public static let notFound = Code("notFound")
        /// A column's value could not be decoded as the row type's property.
        public static let decoding = Code("decoding")
        /// The server refused or failed the statement (see ``sqlState``).
        public static let server = Code("server")
        /// The connection failed, closed, or could not be made (wrong password, no server, missing database).
        public static let connection = Code("connection")
        /// A statement was cancelled because every caller waiting for it was cancelled.
        public static let cancelled = Code("cancelled")

        /// The code's name.
        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, in words.
    public let message: String
    /// The table at fault, when one is.
    public let table: String?
    /// The column at fault, when one is.
    public let column: String?
    /// The statement that failed, when one did.
    public let sql: String?
    /// The server's SQLSTATE, when the server reported the error.
    public let sqlState: String?
    /// The error underneath (postgres-nio's `PSQLError`, a decoding error), when there is one.
    public let underlying: (any Error)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What happened.
    ///   - table: The table at fault.
    ///   - column: The column at fault.
    ///   - sql: The statement.
    ///   - sqlState: The server's SQLSTATE.
    ///   - underlying: The error underneath.
    public init(
        _ code: Code,
        _ message: String,
        table: String? = nil,
        column: String? = nil,
        sql: String? = nil,
        sqlState: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.table = table
        self.column = column
        self.sql = sql
        self.sqlState = sqlState
        self.underlying = underlying
    }

    /// The code, the message, and the table, column, SQLSTATE and SQL when known.
    public var description: String {
        var text = "PostgresSourceError.\(code): \(message)"
        if let table { text += " (table \(table)" + (column.map { ", column \($0)" } ?? "") + ")" }
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        if let sql { text += " in: \(sql)" }
        return text
    }

    /// `error` as a ``PostgresSourceError``: a server error with its message and SQLSTATE, a connection failure, or
    /// `error` itself wrapped as it is.
    static func wrapping(_ error: any Error, sql: String?, table: String?) -> PostgresSourceError {
        if let error = error as? PostgresSourceError { return error }
        if let psql = error as? PSQLError {
            if psql.code == .server, let info = psql.serverInfo {
                let state = info[.sqlState]
                var message = info[.message] ?? "the server failed the statement"
                if let detail = info[.detail] { message += " (\(detail))" }
                // 57P01–57P03: the server is shutting down or restarting; 08xxx: the connection failed.
                let lost = state.map { $0.hasPrefix("57P") || $0.hasPrefix("08") } ?? false
                return PostgresSourceError(
                    lost ? .connection : .server,
                    message,
                    table: info[.tableName] ?? table,
                    column: info[.columnName],
                    sql: sql,
                    sqlState: state,
                    underlying: error
                )
            }
            if psql.code == .queryCancelled {
                return PostgresSourceError(.cancelled, "the statement was cancelled", table: table, sql: sql)
            }
            let reason = psql.underlying.map { "\(psql.code): \($0)" } ?? "\(psql.code)"
            return PostgresSourceError(
                .connection,
                "the connection failed: \(reason)",
                table: table,
                sql: sql,
                underlying: error
            )
        }
        if error is CancellationError {
            return PostgresSourceError(.cancelled, "the statement was cancelled", table: table, sql: sql)
        }
        return PostgresSourceError(.connection, "\(error)", table: table, sql: sql, underlying: error)
    }
}
