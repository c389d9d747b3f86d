import Foundation
import GBatchy
import GBatchyCSQLite
import Logging

/// An SQLite database: one writer connection and a pool of reader connections, each on its own thread.
///
/// `SQLiteSource` is `Sendable`: share one instance across tasks. Writes are serialized on the writer; reads run
/// in parallel on the readers, and wait in FIFO order when all are busy. SQLite never runs on Swift's cooperative
/// thread pool. A file database uses WAL journal mode, `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout.
///
/// Storage conventions, for binding (``SQLiteBindable``) and decoding (`Decodable` rows):
/// - `Bool` is the integer 0 or 1.
/// - `Date` is written as UTC text `yyyy-MM-dd HH:mm:ss.SSS`. It is read from that text, from `yyyy-MM-dd HH:mm:ss`,
///   from `yyyy-MM-dd`, from ISO 8601 text with `T` and `Z` or an offset, or from a number of Unix seconds. Only
///   dates of the years 0000 to 9999 are bound or read: others (and infinite or NaN ones) throw an error naming the
///   parameter or the column.
/// - `UUID` is written as uppercase `uuidString` text and read from text in any case or from a 16-byte blob.
/// - `RawRepresentable` enums use their `String` or `Int` raw value.
///
/// Every statement is recorded in ``queryLog`` and logged at `.debug`.
///
/// ```swift
/// struct User: Codable, Sendable { var id: Int; var name: String }
///
/// let db = try SQLiteSource(path: "app.sqlite")
/// try await db.execute("CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
/// try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
/// let users = try await db.query("SELECT id, name FROM users WHERE id > ?", [0], as: User.self)
/// await db.close()
/// ```
public final class SQLiteSource: Sendable {
    /// The database path, or `:memory:`.
    ///
    /// Named in every ``SQLiteSourceError``.
    ///
    /// ```swift
    /// print(db.path)
    /// ```
    public let path: String

    /// The configuration the database was opened with.
    ///
    /// Read-only after opening.
    ///
    /// ```swift
    /// print(db.configuration.readerCount)
    /// ```
    public let configuration: Configuration

    /// The in-process record of every statement the database ran.
    ///
    /// See `QueryLog`.
    ///
    /// ```swift
    /// print(db.queryLog.entries.count)
    /// ```
    public let queryLog: QueryLog

    let writer: ConnectionThread
    /// `nil` for an in-memory database (or `readerCount: 0`): reads then run on the writer.
    let readers: ReaderPool?
    private let isClosed = Locked(false)
    /// The table loaders' registry (for cache invalidation) and their dispatch group.
    let tableLoaders = TableLoaderSupport()

    /// Opens the database file at `path`, creating it unless the configuration is read-only.
    ///
    /// The file is validated before anything is written: a file that is not a database fails here and is left
    /// byte-for-byte untouched. Then the writer sets WAL mode and the readers open read-only. Opening runs on the
    /// calling thread.
    ///
    /// ```swift
    /// let db = try SQLiteSource(path: "/var/lib/app/app.sqlite")
    /// let readOnly = try SQLiteSource(path: "/var/lib/app/app.sqlite", configuration: .init(readOnly: true))
    /// ```
    ///
    /// - Parameters:
    ///   - path: A file path (or a `file:` URI).
    ///   - configuration: Connections, timeouts and logging.
    /// - Throws: ``SQLiteSourceError``: ``SQLiteSourceError/ResultCode/cantOpen`` (missing file when read-only, missing
    ///   directory), ``SQLiteSourceError/ResultCode/notADatabase`` or ``SQLiteSourceError/ResultCode/corrupt``.
    public convenience init(path: String, configuration: Configuration = .init()) throws {
        try self.init(path: path, configuration: configuration, inMemory: false)
    }

    /// Opens a new, empty in-memory database.
    ///
    /// It has a single connection that serves reads and writes, and it disappears when closed.
    ///
    /// ```swift
    /// let db = try SQLiteSource.inMemory()
    /// try await db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
    /// ```
    ///
    /// - Parameter configuration: Timeouts and logging (the reader count is ignored).
    /// - Returns: The database.
    /// - Throws: ``SQLiteSourceError``.
    public static func inMemory(configuration: Configuration = .init()) throws -> SQLiteSource {
        try SQLiteSource(path: ":memory:", configuration: configuration, inMemory: true)
    }

    private init(path: String, configuration: Configuration, inMemory: Bool) throws {
        self.path = path
        self.configuration = configuration
        let queryLog = QueryLog(
            capacity: configuration.queryLogCapacity,
            isEnabled: configuration.isQueryLogEnabled
        )
        self.queryLog = queryLog

        func open(_ flags: Int32, role: QueryLog.Role) throws -> SQLiteSourceConnection {
            try SQLiteSourceConnection(
                path: path,
                flags: flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                role: role,
                busyTimeout: configuration.busyTimeout,
                queryLog: queryLog,
                logger: configuration.logger,
                statementCacheCapacity: configuration.statementCacheCapacity
            )
        }

        let writerConnection: SQLiteSourceConnection
        if inMemory {
            writerConnection = try open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, role: .writer)
            try writerConnection.executeScript("PRAGMA foreign_keys = ON")
        } else if configuration.readOnly {
            writerConnection = try open(SQLITE_OPEN_READONLY, role: .writer)
            try writerConnection.validateIsDatabase()
        } else {
            writerConnection = try open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, role: .writer)
            try writerConnection.validateIsDatabase()
            let mode = try writerConnection.query(
                "PRAGMA journal_mode = WAL",
                values: [],
                as: String.self,
                keyCount: nil,
                table: nil
            )
            if mode.first?.lowercased() != "wal" {
                configuration.logger.warning(
                    "Could not enable WAL journal mode",
                    metadata: ["path": "\(path)", "mode": "\(mode)"]
                )
            }
            try writerConnection.executeScript("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        }
        writerConnection.enableWriteTracking()

        var readerConnections: [SQLiteSourceConnection] = []
        if !inMemory {
            // `readerCount` is a public `var`: a negative value set after `init` means no reader, like 0.
            for _ in 0..<max(0, configuration.readerCount) {
                readerConnections.append(try open(SQLITE_OPEN_READONLY, role: .reader))
            }
        }

        writer = ConnectionThread(connection: writerConnection, name: "gbatchy.sql.writer")
        readers =
            readerConnections.isEmpty
            ? nil
            : ReaderPool(
                readers: readerConnections.enumerated().map { index, connection in
                    ConnectionThread(connection: connection, name: "gbatchy.sql.reader.\(index)")
                }
            )
    }

    deinit {
        // Without an explicit close(): let queued work finish, then close each connection on its own thread.
        writer.requestShutdown()
        for reader in readers?.readers ?? [] { reader.requestShutdown() }
    }

    /// Finishes queued work, finalizes every statement, closes every connection and ends their threads.
    ///
    /// Waits for reads in progress (including snapshots) to give their connection back. Work submitted afterwards
    /// throws an ``SQLiteSourceError`` with ``SQLiteSourceError/ResultCode/misuse``. Calling it twice is harmless. Do not call it
    /// from inside a ``read(_:)``, ``write(_:)`` or snapshot of the same database.
    ///
    /// ```swift
    /// await db.close()
    /// ```
    public func close() async {
        isClosed.withLock { $0 = true }
        if let readers {
            await readers.drain()
            for reader in readers.readers { await reader.shutdown() }
        }
        // The writer closes last. If the file was deleted or replaced meanwhile, empty the WAL that SQLite would
        // leave under the path for the next database opened there. (Fails harmlessly on a second close.)
        _ = try? await writer.submit(cancellable: false) { connection in connection.truncateWALIfMoved() }
        await writer.shutdown()
    }

    func checkOpen() throws {
        if isClosed.withLock({ $0 }) { throw SQLiteSourceError.databaseClosed(path: path) }
    }

    // MARK: - Writing

    /// Executes SQL on the writer, outside any explicit transaction: a script of several statements, or one
    /// statement with bound values.
    ///
    /// Each statement of a script commits on its own (autocommit). To make a script all-or-nothing, run it inside
    /// ``write(_:)``, or let it hold its own `BEGIN` … `COMMIT`. A transaction must end within the call: SQL that
    /// leaves one open (`BEGIN` alone, `SAVEPOINT` without `RELEASE`, or a script that fails inside its transaction)
    /// has that transaction rolled back, and fails. With arguments, the SQL must be a single statement; it is cached.
    ///
    /// ```swift
    /// try await db.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX users_name ON users(name)")
    /// try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
    /// ```
    ///
    /// - Parameters:
    ///   - sql: The SQL.
    ///   - arguments: Values for the `?` parameters, in order.
    /// - Throws: ``SQLiteSourceError`` (``SQLiteSourceError/ResultCode/readOnlyDatabaseMoved`` when the file was deleted or
    ///   replaced since it was opened, ``SQLiteSourceError/ResultCode/misuse`` when the SQL left a transaction open or
    ///   holds a NUL character, ``SQLiteSourceError/ResultCode/mismatch`` for an argument that cannot be stored);
    ///   `CancellationError` if the task was cancelled before the work started.
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) async throws {
        try checkOpen()
        let outcome = try await writer.submit { connection in
            connection.executeInAutocommitMode(sql, arguments)
        }
        // Earlier statements of a failed script may have committed.
        didCommitWrite(touchedTables: outcome.touchedTables)
        if let error = outcome.error { throw error }
    }

    /// Runs `body` in a write transaction on the writer connection: `BEGIN IMMEDIATE` … `COMMIT`.
    ///
    /// The transaction commits whole or rolls back whole: any error thrown by SQLite or by `body` rolls it back and
    /// is rethrown, so a failed write leaves no trace. `body` runs on the writer's thread; keep it short and
    /// synchronous. `body` may not begin, commit or roll back the transaction (`BEGIN`, `COMMIT`, `END`, `ROLLBACK`
    /// throw an ``SQLiteSourceError`` with ``SQLiteSourceError/ResultCode/misuse`` before running); savepoints (`SAVEPOINT`,
    /// `RELEASE`, `ROLLBACK TO`) nest inside it, and one left open commits with the transaction.
    ///
    /// ```swift
    /// let count = try await db.write { conn in
    ///     try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [2, "Bob"])
    ///     return try conn.query("SELECT count(*) FROM users", as: Int.self)[0]
    /// }
    /// ```
    ///
    /// - Parameter body: The work, given the writer connection.
    /// - Returns: What `body` returns, once committed.
    /// - Throws: ``SQLiteSourceError`` (``SQLiteSourceError/ResultCode/busy`` when another process holds the write lock past
    ///   the busy timeout, ``SQLiteSourceError/ResultCode/readOnlyDatabaseMoved`` when the file was deleted or replaced
    ///   since it was opened), what `body` throws, or `CancellationError` if cancelled before the work started.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T) async throws -> T {
        try checkOpen()
        let (value, tables) = try await writer.submit { connection in
            try connection.inWriteTransaction(body)
        }
        didCommitWrite(touchedTables: tables)
        return value
    }

    // MARK: - Reading

    /// Runs `body` in a read transaction on a reader connection, so that its queries see one consistent snapshot.
    ///
    /// Inside a table-loader tick's snapshot (`withReadSnapshot(_:)`) it runs on the pinned connection, in the
    /// snapshot's transaction. On an in-memory database it runs on the single connection. Transaction control
    /// statements (`BEGIN`, `COMMIT`, `SAVEPOINT`…) throw an ``SQLiteSourceError`` with
    /// ``SQLiteSourceError/ResultCode/misuse`` before running.
    ///
    /// ```swift
    /// let (users, count) = try await db.read { conn in
    ///     (try conn.query("SELECT id, name FROM users", as: User.self),
    ///      try conn.query("SELECT count(*) FROM users", as: Int.self)[0])
    /// }
    /// ```
    ///
    /// - Parameter body: The work, given a read-only connection.
    /// - Returns: What `body` returns.
    /// - Throws: ``SQLiteSourceError``, ``ColumnDecodingError``, what `body` throws, or `CancellationError`.
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T) async throws -> T {
        try await onReader(inTransaction: true, body)
    }

    /// Runs one query on a reader connection and decodes every row into `T` by column name.
    ///
    /// `T` may be a `Decodable` struct, a plain value type decoded from the first column (`Int.self`,
    /// `String.self`…), or ``SQLiteSourceRow``. Transaction control statements (`BEGIN`, `COMMIT`, `SAVEPOINT`…) throw an
    /// ``SQLiteSourceError`` with ``SQLiteSourceError/ResultCode/misuse`` before running: a reader always returns to the pool
    /// outside any transaction.
    ///
    /// ```swift
    /// let users = try await db.query("SELECT id, name FROM users WHERE id > ?", [0], as: User.self)
    /// let count = try await db.query("SELECT count(*) FROM users", as: Int.self)[0]
    /// ```
    ///
    /// - Parameters:
    ///   - sql: One SQL statement.
    ///   - arguments: Values for the `?` parameters, in order.
    ///   - type: The row type.
    /// - Returns: The rows.
    /// - Throws: ``SQLiteSourceError``, ``ColumnDecodingError`` (naming the column, the type and the SQL), or
    ///   `CancellationError`.
    public func query<T: Decodable & Sendable>(
        _ sql: String,
        _ arguments: [any SQLiteBindable] = [],
        as type: T.Type
    ) async throws -> [T] {
        try await onReader(inTransaction: false) { connection in try connection.query(sql, arguments, as: type) }
    }

    /// Runs one query for a table loader, recording how many keys it bound and which table it reads.
    package func query<T: Decodable & Sendable>(
        _ sql: String,
        values: [SQLiteValue],
        as type: T.Type,
        keyCount: Int?,
        table: String?
    ) async throws -> [T] {
        try await onReader(inTransaction: false) { connection in
            try connection.query(sql, values: values, as: type, keyCount: keyCount, table: table)
        }
    }

    /// The column names of a table, or `nil` if it does not exist.
    package func tableColumns(_ table: String) async throws -> [String]? {
        try await onReader(inTransaction: false) { connection in try connection.tableColumns(table) }
    }

    /// Runs `body` on a reader connection without a transaction of its own (inside ``withReadSnapshot(_:)``, on the
    /// pinned connection, in the snapshot's): each of its statements reads its own snapshot.
    package func readOutsideTransaction<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T
    ) async throws -> T {
        try await onReader(inTransaction: false, body)
    }

    private func onReader<T: Sendable>(
        inTransaction: Bool,
        _ work: @escaping @Sendable (SQLiteSourceConnection) throws -> T
    ) async throws -> T {
        try checkOpen()
        // A loader's batch whose every waiter is cancelled stops its statement (SQLite's progress handler).
        let abandonment = BatchAbandonment.current
        let body: @Sendable (SQLiteSourceConnection) throws -> T = { connection in
            guard let abandonment else { return try work(connection) }
            return try connection.stopping(when: abandonment) { try work(connection) }
        }
        if let pinned = Self.pinnedReader, pinned.database == ObjectIdentifier(self) {
            return try await pinned.reader.submit(body)  // already inside the snapshot's transaction
        }
        let job: @Sendable (SQLiteSourceConnection) throws -> T = { connection in
            // Transaction control statements are refused on reads; should a transaction still be open, whatever the
            // SQL was, end it, so that the connection goes back in autocommit mode and never serves a stale snapshot.
            defer { connection.rollbackIfNeeded() }
            return inTransaction ? try connection.inReadTransaction(body) : try body(connection)
        }
        guard let readers else { return try await writer.submit(job) }
        let reader = try await readers.acquire()
        defer { readers.release(reader) }
        return try await reader.submit(job)
    }
}

extension SQLiteSourceConnection {
    /// Reads page 1 without writing anything, so that a file that is not a database fails before any change.
    func validateIsDatabase() throws {
        let readOnlyConnection = sqlite3_db_readonly(handle, "main") == 1
        if !readOnlyConnection { try executeScript("PRAGMA query_only = ON") }
        _ = try query("PRAGMA schema_version", values: [], as: Int.self, keyCount: nil, table: nil)
        if !readOnlyConnection { try executeScript("PRAGMA query_only = OFF") }
    }
}
