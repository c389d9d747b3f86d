import Foundation
import GBatchy
import GBatchyCSQLite
import Logging

/// One SQLite connection: the handle, its statement cache and its write tracking.
///
/// `SQLiteSourceConnection` is NOT `Sendable`. Each connection is opened with `SQLITE_OPEN_NOMUTEX` and is confined to
/// the dedicated thread that owns it; you only ever receive one as the argument of a ``SQLiteSource/write(_:)`` or
/// ``SQLiteSource/read(_:)`` closure, which runs on that thread. Do not let it escape the closure.
///
/// ```swift
/// let id = try await db.write { conn in
///     try conn.execute("INSERT INTO users(name) VALUES (?)", ["Ann"])
///     return conn.lastInsertedRowID
/// }
/// ```
public final class SQLiteSourceConnection {
    let handle: OpaquePointer
    /// The database path, or `:memory:`.
    package let path: String
    /// Whether this is the writer or a reader.
    package let role: QueryLog.Role
    let queryLog: QueryLog
    let logger: Logger
    private var cache: StatementCache
    private var isClosed = false

    /// Whether `touchedTables` is maintained (the writer only).
    private(set) var tracksWrites = false
    /// Tables written since the last ``takeTouchedTables()``: from the update hook and, conservatively, from the
    /// authorizer (which also sees DDL and deletes that bypass the update hook).
    var touchedTables: Set<String> = []
    /// Tables the authorizer reported while the current statement was being prepared.
    private var authorizedTables: Set<String> = []
    /// The transaction control operation the authorizer reported while the current statement was being prepared.
    private var authorizedTransactionControl: TransactionControl?
    /// Which transaction control statements the SQL run now may hold: none, except while the library runs its own
    /// `BEGIN`/`COMMIT`/`ROLLBACK`, a ``SQLiteSource/write(_:)`` body (savepoints) or an
    /// ``SQLiteSource/execute(_:_:)``.
    private(set) var transactionControlPolicy = TransactionControlPolicy.none

    init(
        path: String,
        flags: Int32,
        role: QueryLog.Role,
        busyTimeout: Duration,
        queryLog: QueryLog,
        logger: Logger,
        statementCacheCapacity: Int
    ) throws {
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message =
                connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
            sqlite3_close_v2(connection)
            throw SQLiteSourceError(
                extendedResultCode: .init(rawValue: extended),
                message: "cannot open \(path): \(message)",
                sql: nil,
                path: path
            )
        }
        handle = connection
        self.path = path
        self.role = role
        self.queryLog = queryLog
        self.logger = logger
        cache = StatementCache(capacity: statementCacheCapacity)
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, Self.milliseconds(busyTimeout))
        installAuthorizer()
    }

    /// A duration in whole milliseconds for `sqlite3_busy_timeout`: negative durations give 0, and durations longer
    /// than `Int32.max` milliseconds (about 24.8 days) give `Int32.max`. Never overflows.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        guard seconds < Int64(Int32.max) / 1000 + 1 else { return Int32.max }
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    deinit {
        close()
    }

    /// Finalizes every statement and closes the handle. Idempotent.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.removeAll()
        if sqlite3_next_stmt(handle, nil) != nil {
            logger.error("Closing a connection with unfinalized statements", metadata: ["path": "\(path)"])
        }
        let code = sqlite3_close_v2(handle)
        if code != SQLITE_OK {
            logger.error(
                "sqlite3_close_v2 failed",
                metadata: ["path": "\(path)", "code": "\(SQLiteSourceError.ResultCode(rawValue: code))"]
            )
        }
    }

    // MARK: - Public API

    /// Executes SQL: a script of several statements, or one statement with bound values.
    ///
    /// Without arguments, the text may hold several statements separated by semicolons; each runs in turn and they
    /// are not cached. With arguments, the text must be one statement; it is prepared once and cached. Inside
    /// ``SQLiteSource/write(_:)``, statements that would begin, commit or roll back its transaction are refused
    /// before they run; savepoints are allowed.
    ///
    /// ```swift
    /// try await db.write { conn in
    ///     try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
    ///     try conn.execute("UPDATE users SET name = upper(name); DELETE FROM users WHERE id > 10")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - sql: The SQL.
    ///   - arguments: Values for the `?` parameters, in order.
    /// - Throws: ``SQLiteSourceError``: ``SQLiteSourceError/ResultCode/misuse`` for a refused transaction control statement or
    ///   SQL holding a NUL character, ``SQLiteSourceError/ResultCode/mismatch`` naming the parameter for an argument that
    ///   cannot be stored (a `Date` outside the years 0000 to 9999).
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        if arguments.isEmpty {
            try executeScript(sql)
            return
        }
        try withCachedStatement(sql) { statement in
            guard !statement.hasTrailingSQL else {
                throw SQLiteSourceError(
                    extendedResultCode: .misuse,
                    message: "execute with arguments accepts a single statement; split the script",
                    sql: sql,
                    path: path
                )
            }
            try statement.bind(arguments)
            try statement.run()
        }
    }

    /// Runs a query and decodes every row into `T`, by column name.
    ///
    /// The statement is cached. `T` may also be a plain value type (`Int`, `String`, `Date`…), decoded from the
    /// first column, or ``SQLiteSourceRow``.
    ///
    /// ```swift
    /// let names = try await db.read { conn in
    ///     try conn.query("SELECT name FROM users WHERE id > ?", [0], as: String.self)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - sql: One SQL statement.
    ///   - arguments: Values for the `?` parameters, in order.
    ///   - type: The row type.
    /// - Returns: The decoded rows, in result order.
    /// - Throws: ``SQLiteSourceError`` (as for ``execute(_:_:)``), or ``ColumnDecodingError`` when a row does not fit `T`.
    public func query<T: Decodable>(_ sql: String, _ arguments: [any SQLiteBindable] = [], as type: T.Type) throws
        -> [T]
    {
        try withCachedStatement(sql) { statement in
            try statement.bind(arguments)
            return try Self.rows(of: statement, as: type)
        }
    }

    /// The rowid of the last row inserted on this connection.
    ///
    /// Read it inside the same ``SQLiteSource/write(_:)`` closure as the insert.
    ///
    /// ```swift
    /// let id = try await db.write { conn in
    ///     try conn.execute("INSERT INTO users(name) VALUES (?)", ["Ann"])
    ///     return conn.lastInsertedRowID
    /// }
    /// ```
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The number of rows changed by the last INSERT, UPDATE or DELETE on this connection.
    ///
    /// Triggers and foreign key actions are not counted.
    ///
    /// ```swift
    /// let deleted = try await db.write { conn in
    ///     try conn.execute("DELETE FROM users WHERE id > ?", [10])
    ///     return conn.changedRowCount
    /// }
    /// ```
    public var changedRowCount: Int { Int(sqlite3_changes64(handle)) }

    // MARK: - Package API for table loaders

    /// Runs a query with ``SQLiteValue`` bindings, recording the loader's key count and table in the query log.
    package func query<T: Decodable>(
        _ sql: String,
        values: [SQLiteValue],
        as type: T.Type,
        keyCount: Int?,
        table: String?
    ) throws -> [T] {
        try withCachedStatement(sql) { statement in
            try statement.bind(values, keyCount: keyCount, table: table)
            return try Self.rows(of: statement, as: type)
        }
    }

    /// Steps a bound statement to the end, decoding every row.
    private static func rows<T: Decodable>(of statement: SQLiteStatement, as type: T.Type) throws -> [T] {
        let decode = RowDecoding.decoder(for: T.self)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try decode(statement))
        }
        return rows
    }

    /// Runs `body` with the cached statement for `sql`, then resets it and clears its bindings.
    ///
    /// If the cached statement is already in use (a nested query with the same SQL), a fresh one is prepared.
    /// Errors thrown by `body` are recorded in the query log as the statement's failure. A transaction control
    /// statement that ``transactionControlPolicy`` forbids is refused before it runs.
    package func withCachedStatement<R>(_ sql: String, _ body: (SQLiteStatement) throws -> R) throws -> R {
        let statement = try cachedStatement(sql)
        try checkTransactionControl(of: statement)
        statement.isInUse = true
        defer { statement.isInUse = false }
        do {
            let result = try body(statement)
            statement.reset()
            return result
        } catch {
            statement.fail(error)
            statement.reset()
            throw error
        }
    }

    /// The number of statements in this connection's cache.
    package var cachedStatementCount: Int { cache.count }

    /// The column names of a table (hidden and generated columns included), or `nil` if it does not exist.
    ///
    /// The function is called through `main`, or through `temp` when an object named `pragma_table_xinfo` in `main`
    /// shadows it (the statement then fails to prepare); the schema qualifier does not limit the tables it finds.
    package func tableColumns(_ table: String) throws -> [String]? {
        func columns(_ schema: String) throws -> [String] {
            try query(
                "SELECT name FROM \(schema).pragma_table_xinfo(?)",
                values: [.text(table)],
                as: String.self,
                keyCount: nil,
                table: nil
            )
        }
        let names: [String]
        do {
            names = try columns("main")
        } catch let error as SQLiteSourceError where error.resultCode == .error {
            names = try columns("temp")
        }
        return names.isEmpty ? nil : names
    }

    // MARK: - Preparing

    private func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = cache.statement(for: sql) {
            if !statement.isInUse { return statement }
            return try prepare(sql, persistent: false)
        }
        let statement = try prepare(sql, persistent: true)
        cache.insert(statement, for: sql)
        return statement
    }

    private func prepare(_ sql: String, persistent: Bool) throws -> SQLiteStatement {
        try checkNoNUL(in: sql)
        authorizedTables = []
        authorizedTransactionControl = nil
        var statementHandle: OpaquePointer?
        var hasTrailingSQL = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { cString in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(handle, cString, -1, flags, &statementHandle, &tail)
            if let tail { hasTrailingSQL = Self.containsSQL(tail) }
            return code
        }
        guard code == SQLITE_OK else {
            let error = self.error(code: code, sql: sql)
            recordFailure(sql: sql, error: error)
            throw error
        }
        guard let statementHandle else {
            let error = SQLiteSourceError(
                extendedResultCode: .misuse,
                message: "the SQL holds no statement",
                sql: sql,
                path: path
            )
            recordFailure(sql: sql, error: error)
            throw error
        }
        return SQLiteStatement(
            handle: statementHandle,
            sql: sql,
            connection: self,
            hasTrailingSQL: hasTrailingSQL,
            writtenTables: takeAuthorizedTables(),
            transactionControl: takeAuthorizedTransactionControl()
        )
    }

    /// Refuses SQL holding a NUL character: SQLite stops reading at it, so the text after it would silently not run.
    private func checkNoNUL(in sql: String) throws {
        guard let offset = sql.utf8.firstIndex(of: 0).map({ sql.utf8.distance(from: sql.utf8.startIndex, to: $0) })
        else { return }
        let error = SQLiteSourceError(
            extendedResultCode: .misuse,
            message: "the SQL holds a NUL character (at byte \(offset)); SQLite would silently ignore the text after"
                + " it, so nothing was run",
            sql: sql.replacingOccurrences(of: "\0", with: "\\0"),
            path: path
        )
        recordFailure(sql: error.sql ?? "", error: error)
        throw error
    }

    private static func containsSQL(_ pointer: UnsafePointer<CChar>) -> Bool {
        var cursor = pointer
        while cursor.pointee != 0 {
            switch UInt8(bitPattern: cursor.pointee) {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ";"):
                cursor += 1
            default:
                return true
            }
        }
        return false
    }

    /// Runs every statement of a script in turn, using the tail pointer of `sqlite3_prepare_v2`. Not cached.
    ///
    /// SQL holding a NUL character, or a transaction control statement that ``transactionControlPolicy`` forbids, is
    /// refused before that statement runs.
    func executeScript(_ sql: String) throws {
        try checkNoNUL(in: sql)
        let cString = Array(sql.utf8CString)
        try cString.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            let end = start + buffer.count - 1  // the NUL terminator
            var cursor = start
            while cursor < end {
                authorizedTables = []
                authorizedTransactionControl = nil
                var statementHandle: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                // -1: up to the terminating NUL at `end` (checkNoNUL made sure there is no other).
                let code = sqlite3_prepare_v2(handle, cursor, -1, &statementHandle, &tail)
                guard code == SQLITE_OK else {
                    let error = self.error(code: code, sql: Self.text(from: cursor, to: end))
                    recordFailure(sql: error.sql ?? sql, error: error)
                    throw error
                }
                guard let statementHandle, let tail else { return }  // only whitespace or comments remain
                let statement = SQLiteStatement(
                    handle: statementHandle,
                    sql: Self.text(from: cursor, to: tail),
                    connection: self,
                    hasTrailingSQL: false,
                    writtenTables: takeAuthorizedTables(),
                    transactionControl: takeAuthorizedTransactionControl()
                )
                try checkTransactionControl(of: statement)
                try statement.run()
                cursor = tail
            }
        }
    }

    private static func text(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeRawBufferPointer(start: start, count: end - start)
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Transactions

    /// Runs one of the library's own transaction statements (`BEGIN IMMEDIATE`, `COMMIT`, `ROLLBACK`…), cached.
    func executeTransactionStatement(_ sql: String) throws {
        try withTransactionControl(.any) {
            try withCachedStatement(sql) { try $0.run() }
        }
    }

    /// Runs `body` with ``transactionControlPolicy`` set to `policy`, then restores it.
    func withTransactionControl<R>(_ policy: TransactionControlPolicy, _ body: () throws -> R) rethrows -> R {
        let saved = transactionControlPolicy
        transactionControlPolicy = policy
        defer { transactionControlPolicy = saved }
        return try body()
    }

    /// `BEGIN IMMEDIATE` … `COMMIT`; any error rolls back. Returns the value and the tables the transaction wrote.
    ///
    /// `body` may use savepoints, which nest inside the transaction, but no statement that would begin, commit or
    /// roll back the transaction itself: the write stays all or nothing.
    func inWriteTransaction<T>(_ body: (SQLiteSourceConnection) throws -> T) throws -> (T, Set<String>) {
        touchedTables = []
        try executeTransactionStatement("BEGIN IMMEDIATE")
        do {
            try checkFileNotMoved()
            let value = try withTransactionControl(.savepoints) { try body(self) }
            try executeTransactionStatement("COMMIT")
            return (value, takeTouchedTables())
        } catch {
            rollbackIfNeeded()
            touchedTables = []
            throw error
        }
    }

    /// `BEGIN` … `COMMIT`: a consistent snapshot for several reads (taken at the first read).
    func inReadTransaction<T>(_ body: (SQLiteSourceConnection) throws -> T) throws -> T {
        try executeTransactionStatement("BEGIN DEFERRED")
        do {
            let value = try withTransactionControl(.none) { try body(self) }
            try executeTransactionStatement("COMMIT")
            return value
        } catch {
            rollbackIfNeeded()
            throw error
        }
    }

    /// Runs the SQL of ``SQLiteSource/execute(_:_:)`` in autocommit mode and returns the tables it touched and its
    /// error.
    ///
    /// The SQL may hold a whole transaction (`BEGIN` … `COMMIT`, `SAVEPOINT` … `RELEASE`), but must end it: a
    /// transaction still open at the end (after an error, or with no `COMMIT`) is rolled back, and an SQL that
    /// succeeded but left one open fails, so that no acknowledged write is later lost. The touched tables include
    /// those of rolled-back statements (a harmless over-approximation for cache invalidation).
    func executeInAutocommitMode(_ sql: String, _ arguments: [any SQLiteBindable]) -> WriteOutcome {
        touchedTables = []
        var failure: (any Error)?
        do {
            try checkFileNotMoved()
            try withTransactionControl(.any) { try execute(sql, arguments) }
        } catch {
            failure = error
        }
        if !isInAutocommitMode {
            rollbackIfNeeded()
            if failure == nil {
                let error = SQLiteSourceError(
                    extendedResultCode: .misuse,
                    message: "the SQL left a transaction open, so it was rolled back: end the transaction (COMMIT,"
                        + " RELEASE) in the same execute call, or use write { }",
                    sql: sql,
                    path: path
                )
                recordFailure(sql: sql, error: error)
                failure = error
            }
        }
        return WriteOutcome(touchedTables: takeTouchedTables(), error: failure)
    }

    /// Refuses `statement` if it is a transaction control statement that ``transactionControlPolicy`` forbids.
    private func checkTransactionControl(of statement: SQLiteStatement) throws {
        guard let control = statement.transactionControl else { return }
        let context: String
        switch transactionControlPolicy {
        case .any:
            return
        case .savepoints:
            if control.isSavepoint { return }
            context =
                "write { } runs in one transaction, which its body may not begin, commit or roll back (savepoints may"
                + " nest inside it)"
        case .none:
            context =
                "a read (query, read { }, a loader) runs in autocommit mode or in the library's own read transaction;"
                + " run transactions with write { } or execute"
        }
        let error = SQLiteSourceError(
            extendedResultCode: .misuse,
            message: "transaction control statement \(control) is not allowed here: \(context)",
            sql: statement.sql,
            path: path
        )
        recordFailure(sql: statement.sql, error: error)
        throw error
    }

    /// Throws `SQLITE_READONLY_DBMOVED` when the database file was deleted, or replaced by a rename, since the
    /// connection opened it.
    ///
    /// In WAL mode SQLite itself does not check this (only its rollback-journal path does): it keeps committing into
    /// the old inode, which nobody can open again, and every such write is lost once the connection closes. One
    /// `stat` of the path; an in-memory database never moves.
    func checkFileNotMoved() throws {
        guard fileHasMoved else { return }
        throw SQLiteSourceError(
            extendedResultCode: .readOnlyDatabaseMoved,
            message: "the database file was deleted or replaced since it was opened; the write was refused, as it"
                + " would be lost",
            sql: nil,
            path: path
        )
    }

    /// Whether the database file was deleted, or replaced by a rename, since the connection opened it.
    var fileHasMoved: Bool {
        var moved: Int32 = 0
        return sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved != 0
    }

    /// Before the last connection closes: when the file was deleted or replaced, checkpoints the WAL into the old
    /// file and truncates it to zero bytes.
    ///
    /// SQLite skips its checkpoint on close for a moved file and leaves the WAL (and `-shm`) under the path, where
    /// the next database opened at that path (the replacement, or a new file) would read the old frames as its own
    /// pages: silently wrong data, or corruption. An empty WAL is ignored.
    func truncateWALIfMoved() {
        guard fileHasMoved else { return }
        do {
            try executeScript("PRAGMA wal_checkpoint(TRUNCATE)")
        } catch {
            logger.error(
                "Could not empty the WAL of a database file deleted or replaced while open",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
        }
    }

    func rollbackIfNeeded() {
        guard sqlite3_get_autocommit(handle) == 0 else { return }
        do {
            try executeTransactionStatement("ROLLBACK")
        } catch {
            logger.error("ROLLBACK failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Whether no transaction is open.
    var isInAutocommitMode: Bool { sqlite3_get_autocommit(handle) != 0 }

    func takeTouchedTables() -> Set<String> {
        defer { touchedTables = [] }
        return touchedTables
    }

    // MARK: - Write tracking

    /// Installs the update hook that maintains ``touchedTables``, and makes the authorizer report written tables.
    /// Writer only.
    func enableWriteTracking() {
        tracksWrites = true
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_update_hook(
            handle,
            { context, _, _, table, _ in
                guard let context, let table else { return }
                let connection = Unmanaged<SQLiteSourceConnection>.fromOpaque(context).takeUnretainedValue()
                connection.touchedTables.insert(String(cString: table))
            },
            context
        )
    }

    /// Installs the authorizer, which sees every statement as it is prepared: it reports transaction control
    /// statements (every connection) and the tables a statement may write (the writer, see ``enableWriteTracking()``).
    /// It never denies anything; the checks happen before a statement runs, so they also cover cached statements.
    private func installAuthorizer() {
        sqlite3_set_authorizer(
            handle,
            { context, action, first, second, _, _ in
                guard let context else { return SQLITE_OK }
                let connection = Unmanaged<SQLiteSourceConnection>.fromOpaque(context).takeUnretainedValue()
                connection.authorizerReported(action: action, first: first, second: second)
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    private func authorizerReported(action: Int32, first: UnsafePointer<CChar>?, second: UnsafePointer<CChar>?) {
        switch action {
        case SQLITE_TRANSACTION:
            authorizedTransactionControl = .transaction(operation: first.map { String(cString: $0) } ?? "")
            return
        case SQLITE_SAVEPOINT:
            authorizedTransactionControl = .savepoint(
                operation: first.map { String(cString: $0) } ?? "",
                name: second.map { String(cString: $0) } ?? ""
            )
            return
        default:
            break
        }
        guard tracksWrites else { return }
        let name: UnsafePointer<CChar>?
        switch action {
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE, SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_TABLE,
            SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_TABLE, SQLITE_CREATE_VIEW, SQLITE_CREATE_TEMP_VIEW, SQLITE_DROP_VIEW,
            SQLITE_DROP_TEMP_VIEW:
            name = first
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX, SQLITE_DROP_INDEX, SQLITE_DROP_TEMP_INDEX,
            SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER, SQLITE_DROP_TRIGGER, SQLITE_DROP_TEMP_TRIGGER,
            SQLITE_ALTER_TABLE:
            name = second
        default:
            name = nil
        }
        guard let name else { return }
        let table = String(cString: name)
        if !table.hasPrefix("sqlite_") { authorizedTables.insert(table) }
    }

    private func takeAuthorizedTables() -> Set<String> {
        defer { authorizedTables = [] }
        return authorizedTables
    }

    private func takeAuthorizedTransactionControl() -> TransactionControl? {
        defer { authorizedTransactionControl = nil }
        return authorizedTransactionControl
    }

    // MARK: - Errors and observation

    func error(code: Int32, sql: String?) -> SQLiteSourceError {
        SQLiteSourceError(
            extendedResultCode: .init(rawValue: code == SQLITE_ERROR ? sqlite3_extended_errcode(handle) : code),
            message: String(cString: sqlite3_errmsg(handle)),
            sql: sql,
            path: path
        )
    }

    /// Whether statements must be timed: the query log is on, or the logger prints `.debug`.
    var isObserved: Bool { queryLog.isEnabled || logger.logLevel <= .debug }

    private func recordFailure(sql: String, error: any Error) {
        guard isObserved else { return }
        record(sql: sql, keyCount: nil, table: nil, rowCount: 0, duration: .zero, error: error)
    }

    func record(sql: String, keyCount: Int?, table: String?, rowCount: Int, duration: Duration, error: (any Error)?) {
        if queryLog.isEnabled {
            queryLog.append(
                QueryLog.Entry(
                    sql: sql,
                    keyCount: keyCount,
                    table: table,
                    rowCount: rowCount,
                    duration: duration,
                    role: role,
                    error: error
                )
            )
        }
        if logger.logLevel <= .debug {
            var metadata: Logger.Metadata = [
                "role": "\(role.rawValue)", "rows": "\(rowCount)", "duration": "\(duration)",
            ]
            if let keyCount { metadata["keys"] = "\(keyCount)" }
            if let table { metadata["table"] = "\(table)" }
            if let error { metadata["error"] = "\(error)" }
            logger.debug("\(sql)", metadata: metadata)
        }
    }
}

extension SQLiteSourceConnection {
    /// Runs `body`, stopping its statements with `SQLITE_INTERRUPT` once `abandonment` says nobody waits for them.
    ///
    /// SQLite's progress handler, installed for the length of `body` on this connection's thread, asks every 1,000
    /// virtual machine instructions whether the batch was abandoned (an atomic read): only this body's statements can
    /// be stopped, never a later job's, as `sqlite3_interrupt` from another thread could.
    ///
    /// - Throws: `CancellationError` when the batch was abandoned before `body` began; what `body` throws.
    func stopping<T>(when abandonment: BatchAbandonment, _ body: () throws -> T) throws -> T {
        if abandonment.isAbandoned { throw CancellationError() }
        sqlite3_progress_handler(
            handle,
            1000,
            { context in
                guard let context else { return 0 }
                return Unmanaged<BatchAbandonment>.fromOpaque(context).takeUnretainedValue().isAbandoned ? 1 : 0
            },
            Unmanaged.passUnretained(abandonment).toOpaque()
        )
        defer { sqlite3_progress_handler(handle, 0, nil, nil) }
        return try withExtendedLifetime(abandonment) { try body() }
    }
}
