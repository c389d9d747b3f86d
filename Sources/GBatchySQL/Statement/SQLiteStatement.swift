import Foundation
import GBatchyCSQLite
import Logging

/// A prepared SQLite statement, owned by one connection.
///
/// A statement is NOT `Sendable`, on purpose: it belongs to the ``SQLiteSourceConnection`` that prepared it and must only
/// be used on that connection's thread. It owns its `sqlite3_stmt` pointer and finalizes it in `deinit`.
///
/// Its column-name → index map is built once (and rebuilt only if SQLite re-prepares the statement after a schema
/// change), so decoding a row does no per-row dictionary building. Each execution (from the first bind or step to
/// completion) is recorded in the `QueryLog` and, at `.debug` level, in the logger.
@usableFromInline
package final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteSourceConnection
    /// The statement's SQL, trimmed.
    package let sql: String
    /// Whether SQL text followed this statement when it was prepared (an `execute` with arguments forbids it).
    let hasTrailingSQL: Bool
    /// Tables this statement may write, reported by the authorizer at prepare time (writer connection only).
    let writtenTables: Set<String>
    /// What this statement does to the transaction, if it is a transaction control statement (`BEGIN`, `COMMIT`,
    /// `SAVEPOINT`…), reported by the authorizer at prepare time.
    let transactionControl: TransactionControl?
    var isInUse = false

    // The fields read for every row skip the runtime's exclusivity checks: a statement is only ever used by the
    // thread of its connection, one call at a time.

    /// The result column names, in order.
    @exclusivity(unchecked) package private(set) var columnNames: [String] = []
    /// Column name → index. On duplicate names the first column wins.
    @exclusivity(unchecked) private(set) var columnIndexes: [String: Int32] = [:]
    /// The column ``columnIndex(named:)`` tries first.
    @exclusivity(unchecked) private var nextColumnGuess = 0
    /// Whether guessing is sound: with duplicate names the first column must win, which only the map knows.
    @exclusivity(unchecked) private var guessesColumns = false
    private var prepareGeneration: Int32 = 0
    /// The reprepare count at which ``compiledSchemaVersion()`` last read the schema version; -1 before any read.
    private var schemaVersionGeneration: Int32 = -1
    /// The schema version ``compiledSchemaVersion()`` last read.
    private var schemaVersion: Int64 = 0
    /// The keyed container of the rows decoded in this execution, reused from row to row (see
    /// ``RowDecoder/container(keyedBy:)``). It holds the statement, so the execution's end drops it.
    @exclusivity(unchecked) var keyedContainer: (keyType: ObjectIdentifier, holder: AnyObject)?

    // The current execution, for the query log.
    @exclusivity(unchecked) private var isExecuting = false
    private var startInstant: ContinuousClock.Instant?
    @exclusivity(unchecked) private(set) var rowCount = 0
    private var keyCount: Int?
    /// The table a loader said it reads; named in decoding errors and log entries.
    private(set) var table: String?

    init(
        handle: OpaquePointer,
        sql: String,
        connection: SQLiteSourceConnection,
        hasTrailingSQL: Bool,
        writtenTables: Set<String>,
        transactionControl: TransactionControl?
    ) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
        self.hasTrailingSQL = hasTrailingSQL
        self.writtenTables = writtenTables
        self.transactionControl = transactionControl
        refreshColumns()
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private func refreshColumns() {
        prepareGeneration = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        let count = sqlite3_column_count(handle)
        var names: [String] = []
        var indexes: [String: Int32] = [:]
        names.reserveCapacity(Int(count))
        for index in 0..<count {
            let name = sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "\(index)"
            names.append(name)
            if indexes[name] == nil { indexes[name] = index }
        }
        columnNames = names
        columnIndexes = indexes
        guessesColumns = indexes.count == names.count
        nextColumnGuess = 0
    }

    /// The number of `?` parameters.
    package var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// The index of a result column, or `nil`.
    package func columnIndex(named name: String) -> Int32? {
        // Rows are decoded field after field in the order the SELECT lists them, so the column after the last one
        // found is almost always the next one asked for: a string comparison instead of a hash.
        let count = columnNames.count
        if guessesColumns, count > 0 {
            let guess = nextColumnGuess < count ? nextColumnGuess : 0
            if columnNames[guess] == name {
                nextColumnGuess = guess + 1
                return Int32(guess)
            }
        }
        guard let index = columnIndexes[name] else { return nil }
        nextColumnGuess = Int(index) + 1
        return index
    }

    /// The `main` schema version (`PRAGMA schema_version`) this statement's program is compiled against, once it has
    /// stepped in the current read transaction.
    ///
    /// SQLite checks the schema at every execution's first step and re-prepares the statement when it changed, which
    /// the statement's reprepare count tells: the version is read again (in the same transaction, so it is the one
    /// the rows were read with) only when the statement is new or was re-prepared since the last read. Otherwise it
    /// costs one status call.
    ///
    /// - Returns: The schema version.
    /// - Throws: ``SQLiteSourceError`` if the version cannot be read.
    func compiledSchemaVersion() throws -> Int64 {
        let generation = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        if generation != schemaVersionGeneration {
            schemaVersion = try connection.schemaVersion()
            schemaVersionGeneration = generation
        }
        return schemaVersion
    }

    // MARK: - Execution

    private func beginExecution(keyCount: Int?, table: String?) {
        if isExecuting { finishExecution(error: nil) }
        sqlite3_reset(handle)
        isExecuting = true
        rowCount = 0
        self.keyCount = keyCount
        self.table = table
        startInstant = connection.isObserved ? ContinuousClock.now : nil
        if connection.tracksWrites, !writtenTables.isEmpty {
            connection.touchedTables.formUnion(writtenTables)
        }
    }

    /// Records the end of the current execution in the query log (once).
    func finishExecution(error: (any Error)?) {
        keyedContainer = nil
        guard isExecuting else { return }
        isExecuting = false
        guard let startInstant else { return }
        self.startInstant = nil
        connection.record(
            sql: sql,
            keyCount: keyCount,
            table: table,
            rowCount: rowCount,
            duration: ContinuousClock.now - startInstant,
            error: error
        )
    }

    /// Binds values to the `?` parameters, in order, and starts a new execution.
    ///
    /// - Parameters:
    ///   - values: One value per parameter.
    ///   - keyCount: How many keys a loader bound, for the query log.
    ///   - table: The table a loader reads, for the query log and decoding errors.
    /// - Throws: ``SQLiteSourceError`` with ``SQLiteSourceError/ResultCode/range`` if the count is wrong.
    package func bind(_ values: [SQLiteValue], keyCount: Int? = nil, table: String? = nil) throws {
        beginExecution(keyCount: keyCount, table: table)
        try checkArgumentCount(values.count)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds ``SQLiteBindable`` values; see ``bind(_:keyCount:table:)-([SQLiteValue],_,_)``.
    ///
    /// - Throws: ``SQLiteSourceError`` with ``SQLiteSourceError/ResultCode/range`` if the count is wrong, or
    ///   ``SQLiteSourceError/ResultCode/mismatch`` naming the parameter for a value that cannot be stored (a `Date` outside
    ///   the years 0000 to 9999, infinite or NaN).
    func bind(_ values: [any SQLiteBindable], keyCount: Int? = nil, table: String? = nil) throws {
        beginExecution(keyCount: keyCount, table: table)
        try checkArgumentCount(values.count)
        for (offset, value) in values.enumerated() {
            let index = offset + 1
            let sqliteValue: SQLiteValue
            do {
                sqliteValue = try checkedSQLiteValue(of: value)
            } catch {
                let error = SQLiteSourceError(
                    extendedResultCode: .mismatch,
                    message: "cannot bind parameter \(index): \(error)",
                    sql: sql,
                    path: connection.path
                )
                finishExecution(error: error)
                throw error
            }
            try bind(sqliteValue, at: Int32(index))
        }
    }

    private func checkArgumentCount(_ count: Int) throws {
        guard count == parameterCount else {
            let error = SQLiteSourceError(
                extendedResultCode: .range,
                message: "the statement has \(parameterCount) parameter(s) but \(count) value(s) were bound",
                sql: sql,
                path: connection.path
            )
            finishExecution(error: error)
            throw error
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .integer(let integer):
            code = sqlite3_bind_int64(handle, index, integer)
        case .real(let double):
            code = sqlite3_bind_double(handle, index, double)
        case .text(let text):
            code = text.withCString { pointer in
                sqlite3_bind_text64(
                    handle,
                    index,
                    pointer,
                    sqlite3_uint64(text.utf8.count),
                    gbatchy_sqlite_transient(),
                    UInt8(SQLITE_UTF8)
                )
            }
        case .blob(let data):
            if data.isEmpty {
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = data.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(
                        handle,
                        index,
                        buffer.baseAddress,
                        sqlite3_uint64(buffer.count),
                        gbatchy_sqlite_transient()
                    )
                }
            }
        case .null:
            code = sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else {
            let error = connection.error(code: code, sql: sql)
            finishExecution(error: error)
            throw error
        }
    }

    /// Advances to the next row.
    ///
    /// Starts an execution if ``bind(_:keyCount:table:)-([SQLiteValue],_,_)`` did not.
    ///
    /// - Returns: `true` if a row is available, `false` when the statement is done.
    /// - Throws: ``SQLiteSourceError``.
    @usableFromInline
    package func step() throws -> Bool {
        if !isExecuting { beginExecution(keyCount: nil, table: nil) }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            rowCount += 1
            if rowCount == 1, sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0) != prepareGeneration {
                refreshColumns()
            }
            return true
        case SQLITE_DONE:
            finishExecution(error: nil)
            return false
        default:
            let error = connection.error(code: code, sql: sql)
            finishExecution(error: error)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps until done, discarding rows.
    func run() throws {
        while try step() {}
    }

    /// Marks the current execution failed (for errors raised outside SQLite, such as decoding errors).
    func fail(_ error: any Error) {
        finishExecution(error: error)
    }

    /// Ends the current execution, resets the statement and clears its bindings, ready for reuse.
    package func reset() {
        finishExecution(error: nil)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        table = nil
        keyCount = nil
    }

    // MARK: - Reading the current row

    /// The value of a column of the current row.
    ///
    /// - Parameter index: The 0-based column index.
    /// - Returns: The value in its SQLite storage class.
    @usableFromInline
    package func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(text(at: index))
        case SQLITE_BLOB: return .blob(blob(at: index))
        default: return .null
        }
    }

    func text(at index: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func blob(at index: Int32) -> Data {
        guard let pointer = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: pointer, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// Decodes the current row into `T`, by column name (or, for a plain value type, from the first column).
    ///
    /// - Parameter type: The type to decode.
    /// - Returns: The decoded value.
    /// - Throws: ``ColumnDecodingError``.
    package func decodeRow<T: Decodable>(_ type: T.Type) throws -> T {
        try RowDecoding.decoder(for: T.self)(self)
    }
}
