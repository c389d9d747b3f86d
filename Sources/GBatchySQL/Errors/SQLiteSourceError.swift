import GBatchyCSQLite

/// An error reported by SQLite, with its result code, message, SQL and database path.
///
/// `SQLiteSourceError` is `Sendable`. Match it by primary result code with a `catch` pattern: a primary code matches every
/// extended code derived from it, so `.constraint` matches `SQLITE_CONSTRAINT_UNIQUE`. An extended code pattern
/// matches only itself.
///
/// ```swift
/// do {
///     try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
/// } catch SQLiteSourceError.constraint {
///     print("duplicate id")
/// } catch SQLiteSourceError.busy {
///     print("the database stayed locked longer than the busy timeout")
/// }
/// ```
public struct SQLiteSourceError: Error, Sendable, CustomStringConvertible {
    /// The extended result code, such as `SQLITE_CONSTRAINT_UNIQUE` (2067).
    ///
    /// Extended result codes are always enabled on the library's connections.
    ///
    /// ```swift
    /// if error.extendedResultCode == .constraintUnique { print("duplicate") }
    /// ```
    public let extendedResultCode: ResultCode

    /// SQLite's error message, such as `UNIQUE constraint failed: users.id`.
    ///
    /// It comes from `sqlite3_errmsg`, or is written by the library for errors it detects itself.
    ///
    /// ```swift
    /// print(error.message)
    /// ```
    public let message: String

    /// The SQL that failed, when the error comes from a statement.
    ///
    /// `nil` for errors from opening or closing a connection.
    ///
    /// ```swift
    /// print(error.sql ?? "-")
    /// ```
    public let sql: String?

    /// The path of the database file, or `:memory:`.
    ///
    /// It is always set, so that a log line tells which database failed.
    ///
    /// ```swift
    /// print(error.path)
    /// ```
    public let path: String

    /// Creates an error.
    ///
    /// The library creates these; the initializer is public for tests and adapters.
    ///
    /// ```swift
    /// let error = SQLiteSourceError(extendedResultCode: .busy, message: "database is locked", sql: nil, path: "db.sqlite")
    /// ```
    ///
    /// - Parameters:
    ///   - extendedResultCode: The result code, primary or extended.
    ///   - message: The message.
    ///   - sql: The SQL that failed, if any.
    ///   - path: The database path.
    public init(extendedResultCode: ResultCode, message: String, sql: String?, path: String) {
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// The primary result code, such as `SQLITE_CONSTRAINT` (19).
    ///
    /// The low 8 bits of ``extendedResultCode``.
    ///
    /// ```swift
    /// if error.resultCode == .busy { print("retry later") }
    /// ```
    public var resultCode: ResultCode { extendedResultCode.primaryResultCode }

    /// A one-line description naming the code, the message, the SQL and the database.
    ///
    /// For example: `SQLite error 19 (SQLITE_CONSTRAINT_UNIQUE): UNIQUE constraint failed: users.id
    /// — SQL: INSERT INTO users(id) VALUES (?) — database: /tmp/app.sqlite`. The SQL is cut after 300 characters
    /// (``sql`` keeps it whole).
    ///
    /// ```swift
    /// print(error)
    /// ```
    public var description: String {
        var text = "SQLite error \(resultCode.rawValue) (\(extendedResultCode)): \(message)"
        if let sql { text += " — SQL: \(abbreviated(sql, limit: 300))" }
        text += " — database: \(path)"
        return text
    }

    static func databaseClosed(path: String) -> SQLiteSourceError {
        SQLiteSourceError(
            extendedResultCode: .misuse,
            message: "the database is closed; no work can be submitted after close()",
            sql: nil,
            path: path
        )
    }
}

extension SQLiteSourceError {
    /// A result code: primary (`SQLITE_BUSY`) or extended (`SQLITE_BUSY_SNAPSHOT`).
    ///
    /// `ResultCode` is `Sendable` and `Hashable`. Its static members name the primary codes and the most common
    /// extended ones. A primary code used as a pattern matches its extended codes.
    ///
    /// ```swift
    /// switch error.extendedResultCode {
    /// case .constraintUnique: print("duplicate")
    /// case .constraint: print("another constraint")
    /// default: break
    /// }
    /// ```
    public struct ResultCode: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        /// The numeric code, as SQLite defines it.
        ///
        /// Extended codes carry the primary code in their low 8 bits.
        ///
        /// ```swift
        /// let raw = SQLiteSourceError.ResultCode.constraintUnique.rawValue  // 2067
        /// ```
        public let rawValue: Int32

        /// Creates a code from its numeric value.
        ///
        /// Every value is accepted, so that codes from a newer SQLite survive.
        ///
        /// ```swift
        /// let code = SQLiteSourceError.ResultCode(rawValue: 5)  // .busy
        /// ```
        ///
        /// - Parameter rawValue: The numeric code.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The primary code of this code: its low 8 bits.
        ///
        /// A primary code is its own primary code.
        ///
        /// ```swift
        /// SQLiteSourceError.ResultCode.constraintUnique.primaryResultCode == .constraint  // true
        /// ```
        public var primaryResultCode: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

        /// The C name of the code, such as `SQLITE_BUSY`, or `SQLITE_ERROR(n)` for an unknown one.
        ///
        /// Used in ``SQLiteSourceError/description``.
        ///
        /// ```swift
        /// print(SQLiteSourceError.ResultCode.busy)  // SQLITE_BUSY
        /// ```
        public var description: String {
            if let name = Self.names[rawValue] { return name }
            if let primary = Self.names[rawValue & 0xFF] { return "\(primary) (extended \(rawValue))" }
            return "SQLite result code \(rawValue)"
        }

        /// `SQLITE_OK`.
        public static let ok = ResultCode(rawValue: SQLITE_OK)
        /// `SQLITE_ERROR`: a generic error, such as an SQL syntax error or a missing table.
        public static let error = ResultCode(rawValue: SQLITE_ERROR)
        /// `SQLITE_INTERNAL`.
        public static let `internal` = ResultCode(rawValue: SQLITE_INTERNAL)
        /// `SQLITE_PERM`: access permission denied.
        public static let permission = ResultCode(rawValue: SQLITE_PERM)
        /// `SQLITE_ABORT`: an operation was aborted, for example by a rollback.
        public static let abort = ResultCode(rawValue: SQLITE_ABORT)
        /// `SQLITE_BUSY`: the database file stayed locked longer than the busy timeout.
        public static let busy = ResultCode(rawValue: SQLITE_BUSY)
        /// `SQLITE_LOCKED`: a conflict inside the same connection or shared cache.
        public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
        /// `SQLITE_NOMEM`.
        public static let noMemory = ResultCode(rawValue: SQLITE_NOMEM)
        /// `SQLITE_READONLY`: an attempt to write a read-only database.
        public static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
        /// `SQLITE_INTERRUPT`.
        public static let interrupt = ResultCode(rawValue: SQLITE_INTERRUPT)
        /// `SQLITE_IOERR`: a disk I/O error.
        public static let ioError = ResultCode(rawValue: SQLITE_IOERR)
        /// `SQLITE_CORRUPT`: the database file is malformed.
        public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
        /// `SQLITE_NOTFOUND`.
        public static let notFound = ResultCode(rawValue: SQLITE_NOTFOUND)
        /// `SQLITE_FULL`: the disk, or the `max_page_count` limit, is full.
        public static let full = ResultCode(rawValue: SQLITE_FULL)
        /// `SQLITE_CANTOPEN`: the file cannot be opened (missing, or a missing directory).
        public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
        /// `SQLITE_PROTOCOL`.
        public static let `protocol` = ResultCode(rawValue: SQLITE_PROTOCOL)
        /// `SQLITE_SCHEMA`: the schema changed.
        public static let schema = ResultCode(rawValue: SQLITE_SCHEMA)
        /// `SQLITE_TOOBIG`: a string or blob is too large.
        public static let tooBig = ResultCode(rawValue: SQLITE_TOOBIG)
        /// `SQLITE_CONSTRAINT`: a constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY…) failed.
        public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
        /// `SQLITE_MISMATCH`: a data type mismatch.
        public static let mismatch = ResultCode(rawValue: SQLITE_MISMATCH)
        /// `SQLITE_MISUSE`: the library was used incorrectly, for example after the database was closed.
        public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
        /// `SQLITE_AUTH`: an authorizer denied the statement.
        public static let auth = ResultCode(rawValue: SQLITE_AUTH)
        /// `SQLITE_RANGE`: a bound parameter index or count is wrong.
        public static let range = ResultCode(rawValue: SQLITE_RANGE)
        /// `SQLITE_NOTADB`: the file is not a database.
        public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)

        /// `SQLITE_CONSTRAINT_UNIQUE`.
        public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))
        /// `SQLITE_CONSTRAINT_PRIMARYKEY`.
        public static let constraintPrimaryKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (6 << 8))
        /// `SQLITE_CONSTRAINT_NOTNULL`.
        public static let constraintNotNull = ResultCode(rawValue: SQLITE_CONSTRAINT | (5 << 8))
        /// `SQLITE_CONSTRAINT_FOREIGNKEY`.
        public static let constraintForeignKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (3 << 8))
        /// `SQLITE_CONSTRAINT_CHECK`.
        public static let constraintCheck = ResultCode(rawValue: SQLITE_CONSTRAINT | (1 << 8))
        /// `SQLITE_BUSY_SNAPSHOT`.
        public static let busySnapshot = ResultCode(rawValue: SQLITE_BUSY | (2 << 8))
        /// `SQLITE_READONLY_DBMOVED`.
        public static let readOnlyDatabaseMoved = ResultCode(rawValue: SQLITE_READONLY | (4 << 8))

        private static let names: [Int32: String] = [
            SQLITE_OK: "SQLITE_OK", SQLITE_ERROR: "SQLITE_ERROR", SQLITE_INTERNAL: "SQLITE_INTERNAL",
            SQLITE_PERM: "SQLITE_PERM", SQLITE_ABORT: "SQLITE_ABORT", SQLITE_BUSY: "SQLITE_BUSY",
            SQLITE_LOCKED: "SQLITE_LOCKED", SQLITE_NOMEM: "SQLITE_NOMEM", SQLITE_READONLY: "SQLITE_READONLY",
            SQLITE_INTERRUPT: "SQLITE_INTERRUPT", SQLITE_IOERR: "SQLITE_IOERR", SQLITE_CORRUPT: "SQLITE_CORRUPT",
            SQLITE_NOTFOUND: "SQLITE_NOTFOUND", SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN",
            SQLITE_PROTOCOL: "SQLITE_PROTOCOL", SQLITE_EMPTY: "SQLITE_EMPTY", SQLITE_SCHEMA: "SQLITE_SCHEMA",
            SQLITE_TOOBIG: "SQLITE_TOOBIG", SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT", SQLITE_MISMATCH: "SQLITE_MISMATCH",
            SQLITE_MISUSE: "SQLITE_MISUSE", SQLITE_NOLFS: "SQLITE_NOLFS", SQLITE_AUTH: "SQLITE_AUTH",
            SQLITE_FORMAT: "SQLITE_FORMAT", SQLITE_RANGE: "SQLITE_RANGE", SQLITE_NOTADB: "SQLITE_NOTADB",
            SQLITE_CONSTRAINT | (8 << 8): "SQLITE_CONSTRAINT_UNIQUE",
            SQLITE_CONSTRAINT | (6 << 8): "SQLITE_CONSTRAINT_PRIMARYKEY",
            SQLITE_CONSTRAINT | (5 << 8): "SQLITE_CONSTRAINT_NOTNULL",
            SQLITE_CONSTRAINT | (3 << 8): "SQLITE_CONSTRAINT_FOREIGNKEY",
            SQLITE_CONSTRAINT | (1 << 8): "SQLITE_CONSTRAINT_CHECK",
            SQLITE_BUSY | (2 << 8): "SQLITE_BUSY_SNAPSHOT",
            SQLITE_READONLY | (4 << 8): "SQLITE_READONLY_DBMOVED",
            SQLITE_CANTOPEN | (1 << 8): "SQLITE_CANTOPEN_NOTEMPDIR",
            SQLITE_IOERR | (10 << 8): "SQLITE_IOERR_DELETE",
        ]

        /// Matches a code against a pattern: a primary pattern matches all its extended codes.
        ///
        /// Lets a `switch` over ``SQLiteSourceError/extendedResultCode`` list primary codes.
        ///
        /// ```swift
        /// if case .constraint = error.extendedResultCode { print("constraint") }
        /// ```
        ///
        /// - Parameters:
        ///   - pattern: A primary or extended code.
        ///   - code: The code to test.
        /// - Returns: Whether `code` is `pattern` or, for a primary pattern, derives from it.
        public static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
            pattern == pattern.primaryResultCode ? pattern == code.primaryResultCode : pattern == code
        }

        /// Matches any error against a code, so that `catch SQLiteSourceError.ResultCode.busy` works.
        ///
        /// Only ``SQLiteSourceError`` values can match; any other error does not.
        ///
        /// ```swift
        /// do { try await db.execute("DELETE FROM users") } catch SQLiteSourceError.ResultCode.busy { print("busy") }
        /// ```
        ///
        /// - Parameters:
        ///   - pattern: A primary or extended code.
        ///   - error: The error thrown.
        /// - Returns: Whether `error` is an ``SQLiteSourceError`` whose code matches `pattern`.
        public static func ~= (pattern: ResultCode, error: any Error) -> Bool {
            guard let error = error as? SQLiteSourceError else { return false }
            return pattern ~= error.extendedResultCode
        }
    }

    /// Shorthand for ``ResultCode/busy``: `catch SQLiteSourceError.busy`.
    public static let busy = ResultCode.busy
    /// Shorthand for ``ResultCode/locked``: `catch SQLiteSourceError.locked`.
    public static let locked = ResultCode.locked
    /// Shorthand for ``ResultCode/constraint``: `catch SQLiteSourceError.constraint`.
    public static let constraint = ResultCode.constraint
    /// Shorthand for ``ResultCode/corrupt``: `catch SQLiteSourceError.corrupt`.
    public static let corrupt = ResultCode.corrupt
    /// Shorthand for ``ResultCode/notADatabase``: `catch SQLiteSourceError.notADatabase`.
    public static let notADatabase = ResultCode.notADatabase
    /// Shorthand for ``ResultCode/readOnly``: `catch SQLiteSourceError.readOnly`.
    public static let readOnly = ResultCode.readOnly
    /// Shorthand for ``ResultCode/full``: `catch SQLiteSourceError.full`.
    public static let full = ResultCode.full
    /// Shorthand for ``ResultCode/cantOpen``: `catch SQLiteSourceError.cantOpen`.
    public static let cantOpen = ResultCode.cantOpen
    /// Shorthand for ``ResultCode/misuse``: `catch SQLiteSourceError.misuse`.
    public static let misuse = ResultCode.misuse
}
