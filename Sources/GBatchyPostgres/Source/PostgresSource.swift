import GBatchy
import GBatchySQLCore
import Logging
import PostgresNIO

/// A PostgreSQL database that GBatchy's loaders read in batches: one statement per loader per tick, every statement of
/// a tick in one snapshot, caches per `BatchContext`, cleared by the context's own writes.
///
/// It runs on a `PostgresClient` (postgres-nio's connection pool) that the service already runs, and optionally a
/// second client for a read replica. Loads go to the replica; a context that has written through ``write(_:)`` reads
/// from the primary for the rest of its life, so it always sees its own writes.
///
/// ```swift
/// let client = PostgresClient(configuration: configuration)
/// async let run: () = client.run()
/// let pg = PostgresSource(client: client)
/// let users = pg.loader(User.self, table: "users", key: "id")
/// let postsByAuthor = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
/// try await withBatchContext {
///     async let a = users.load(1)
///     async let p = postsByAuthor.load(1)
///     _ = try await (a, p)          // two statements, one snapshot
/// }
/// ```
///
/// The loaders check their tables and columns against `information_schema` at first use, quote every identifier and
/// bind every key (a batch's keys are one array parameter, `unnest($1)`). Every statement is recorded in
/// ``queryLog`` and logged at `.debug`. `PostgresSource` is `Sendable`.
public final class PostgresSource: Sendable {
    /// The primary server's client: writes, and reads of a context that wrote.
    public let client: PostgresClient
    /// The read replica's client, or `nil` to read from the primary. A replica that gives no connection within
    /// ``connectionWaitLimit`` hands the statement to the primary, and reads skip it for the next 10 seconds.
    public let readClient: PostgresClient?
    /// Every statement the source ran, newest last.
    public let queryLog: QueryLog
    /// The logger of statements (at `.debug`) and of replica failures (at `.warning`).
    public let logger: Logger
    /// How long a statement waits for a connection from a client's pool before it fails with
    /// ``PostgresSourceError/Code/connection`` (or, on the replica, goes to the primary); `nil` waits as long as the
    /// pool does.
    ///
    /// postgres-nio's pool keeps a request waiting while it retries a connection that fails (a server that is down,
    /// that refuses the login, that has no such database) until its circuit breaker trips, a minute after the first
    /// failure: without a limit, every load would wait that long.
    public let connectionWaitLimit: Duration?

    /// The loaders by table, which a write clears.
    let registry = PostgresLoaderRegistry()
    /// The unfiltered by-key loaders, which rows read by other loaders of their table and row type prime.
    let identities = PostgresIdentityRegistry()
    /// The one dispatch group of the source's loaders: a tick's statements share one snapshot.
    let dispatchGroup: PostgresSnapshotGroup
    /// The server process of each connection a loader ran on, by client and connection.
    private let backendPIDs = Locked([BackendKey: Int32]())

    /// A connection of a client.
    private struct BackendKey: Hashable, Sendable {
        let client: ObjectIdentifier
        let connection: PostgresConnection.ID
    }

    /// Creates a source on `client`, reading from `readClient` when given.
    ///
    /// The clients must be running (`client.run()` in a task of the service) for the loaders to get connections.
    ///
    /// - Parameters:
    ///   - client: The primary server's client.
    ///   - readClient: A read replica's client; loads go there unless the context has written.
    ///   - queryLog: The log of statements; a new one by default.
    ///   - logger: The logger; label `gbatchy.postgres` by default.
    ///   - connectionWaitLimit: How long a statement waits for a pooled connection (``connectionWaitLimit``); 10 s
    ///     by default (postgres-nio's own `connectTimeout` for one connection attempt), `nil` for as long as the pool
    ///     waits.
    public init(
        client: PostgresClient,
        readClient: PostgresClient? = nil,
        queryLog: QueryLog = QueryLog(),
        logger: Logger = Logger(label: "gbatchy.postgres"),
        connectionWaitLimit: Duration? = .seconds(10)
    ) {
        self.client = client
        self.readClient = readClient
        self.queryLog = queryLog
        self.logger = logger
        self.connectionWaitLimit = connectionWaitLimit
        self.dispatchGroup = PostgresSnapshotGroup()
        dispatchGroup.source = self
    }

    /// The snapshot connection of the running tick, when the statement runs inside one.
    @TaskLocal static var snapshot: Snapshot?

    /// A tick's read transaction: the connection every statement of the tick runs on.
    struct Snapshot: Sendable {
        let source: ObjectIdentifier
        let connection: PostgresConnection
        let role: QueryLog.Role
        /// The client of `connection`, which cancels its statements.
        let client: PostgresClient
    }

    /// Whether the running context wrote through this source, and so reads from the primary.
    var contextHasWritten: Bool {
        BatchContext.current?.marks.withLock { $0.contains(ObjectIdentifier(self)) } ?? false
    }

    /// The client reads go to: the replica, unless there is none, the context has written, or the replica failed to
    /// give a connection in the last ``replicaRestInterval``.
    var readTarget: (client: PostgresClient, role: QueryLog.Role, fallback: PostgresClient?) {
        if let readClient, !contextHasWritten, !replicaIsResting { return (readClient, .replica, client) }
        return (client, .writer, nil)
    }

    /// How long reads go to the primary after the replica failed to give a connection, before it is tried again:
    /// a replica that is down costs one statement's wait, not every statement's.
    static let replicaRestInterval: Duration = .seconds(10)

    /// Until when reads skip the replica, after it failed.
    private let replicaRestsUntil = Locked<ContinuousClock.Instant?>(nil)

    /// Whether the replica failed to give a connection less than ``replicaRestInterval`` ago.
    private var replicaIsResting: Bool {
        replicaRestsUntil.withLock { until in until.map { ContinuousClock.now < $0 } ?? false }
    }

    /// Records that the replica failed to give a connection, and logs it: reads go to the primary for a while.
    func replicaFailed(_ error: any Error) {
        replicaRestsUntil.withLock { $0 = ContinuousClock.now + Self.replicaRestInterval }
        logger.warning("the read replica failed; reading from the primary", metadata: ["error": "\(error)"])
    }

    /// Runs one read statement and returns its rows, in the tick's snapshot when there is one; on the replica (a
    /// replica that fails to connect hands the statement to the primary), else on the primary.
    func read(
        _ sql: String,
        _ bindings: PostgresBindings,
        keyCount: Int?,
        table: String?
    ) async throws -> [PostgresRow] {
        if let snapshot = Self.snapshot, snapshot.source == ObjectIdentifier(self) {
            do {
                return try await run(
                    sql,
                    bindings,
                    on: snapshot.connection,
                    role: snapshot.role,
                    keyCount: keyCount,
                    table: table
                )
            } catch let error as PostgresSourceError where error.sqlState == "25P02" {
                // Another statement of the tick failed and aborted the shared transaction: this one did not run.
                // It runs on its own, so that one loader's failure is not every loader's.
                _ = error
            }
        }
        if let failure = Self.leaseFailure, failure.source == ObjectIdentifier(self) {
            // The tick could get no connection, on the replica nor on the primary: this statement cannot either.
            throw PostgresSourceError(
                .connection,
                failure.error.message,
                table: table,
                sql: sql,
                underlying: failure.error.underlying
            )
        }
        let target = readTarget
        do {
            return try await withConnection(target.client, role: target.role, sql: sql, table: table) { connection in
                try await run(
                    sql,
                    bindings,
                    on: connection,
                    role: target.role,
                    keyCount: keyCount,
                    table: table,
                    canceller: target.client
                )
            }
        } catch let error as PostgresSourceError where error.code == .connection && target.fallback != nil {
            guard let primary = target.fallback else { throw error }
            replicaFailed(error)
            return try await withConnection(primary, role: .writer, sql: sql, table: table) { connection in
                try await run(
                    sql,
                    bindings,
                    on: connection,
                    role: .writer,
                    keyCount: keyCount,
                    table: table,
                    canceller: primary
                )
            }
        }
    }

    /// The connection failure of the running tick, when its snapshot could get no connection.
    @TaskLocal static var leaseFailure: LeaseFailure?

    /// A tick's failure to get a connection, which its statements share instead of each waiting again.
    struct LeaseFailure: Sendable {
        let source: ObjectIdentifier
        let error: PostgresSourceError
    }

    /// Runs `body` with a connection of `client`, waiting at most ``connectionWaitLimit`` for it.
    ///
    /// The connection is leased by a child task and handed to the calling task, which runs `body` (so `body` needs not
    /// be `Sendable`); the child returns it to the pool when `body` ends. When the limit passes first, the pool's
    /// request is cancelled and the statement fails with ``PostgresSourceError/Code/connection`` naming `sql`.
    ///
    /// A connection that is already closed (the server ended it, and the pool has not yet seen it go) is closed on
    /// the client side too, so that the pool drops it, and another one leased, up to three times: nothing was sent
    /// on it, so nothing runs twice.
    func withConnection<R>(
        _ client: PostgresClient,
        role: QueryLog.Role,
        sql: String,
        table: String?,
        _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        var attempt = 1
        while true {
            do {
                return try await leaseOnce(client, role: role, sql: sql, table: table) { connection in
                    if connection.isClosed, attempt < 3 {
                        // Closing it completes its close future, which tells the pool to drop it.
                        try? await connection.close()
                        throw ClosedLease()
                    }
                    return try await body(connection)
                }
            } catch is ClosedLease {
                attempt += 1
            }
        }
    }

    /// A leased connection that was closed before anything was sent on it.
    private struct ClosedLease: Error {}

    /// ``withConnection(_:role:sql:table:_:)``'s one lease.
    private func leaseOnce<R>(
        _ client: PostgresClient,
        role: QueryLog.Role,
        sql: String,
        table: String?,
        _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        let handOff = PostgresConnectionHandOff()
        return try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
            group.addTask {
                do {
                    try await client.withConnection { connection in
                        guard handOff.settle(.success(connection)) else { return }
                        await handOff.givenBack()
                    }
                } catch {
                    handOff.settle(.failure(error))
                }
            }
            if let limit = connectionWaitLimit {
                group.addTask {
                    try await Task.sleep(for: limit)
                    let pool = role == .replica ? "replica's" : "primary's"
                    // A lease that came first keeps its connection; one that comes later goes back to the pool.
                    handOff.settle(
                        .failure(
                            PostgresSourceError(
                                .connection,
                                "no connection from the \(pool) pool within \(limit): the server is down, refuses "
                                    + "the login (role, password) or has no such database, or every connection "
                                    + "stayed busy (postgres-nio's client logs why)",
                                table: table,
                                sql: sql
                            )
                        )
                    )
                }
            }
            let connection: PostgresConnection
            do {
                connection = try await handOff.connection()
            } catch {
                group.cancelAll()  // the pool's request, when it still waits
                throw PostgresSourceError.wrapping(error, sql: sql, table: table)
            }
            group.cancelAll()  // the limit's timer; the lease is held until the connection is given back
            defer { handOff.giveBack() }
            return try await body(connection)
        }
    }

    /// Runs `sql` on `connection`, records it in the query log and the logger, and wraps a failure in a
    /// ``PostgresSourceError`` that names the statement.
    ///
    /// In a loader's batch, with the `canceller` client of the connection: once every waiter of the batch is gone
    /// (`BatchAbandonment`), the statement is cancelled on the server (`pg_cancel_backend` from another connection
    /// of the client, for this connection's backend while it still runs this statement), and the connection goes
    /// back to the pool healthy.
    func run(
        _ sql: String,
        _ bindings: PostgresBindings,
        on connection: PostgresConnection,
        role: QueryLog.Role,
        keyCount: Int? = nil,
        table: String? = nil,
        canceller: PostgresClient? = nil
    ) async throws -> [PostgresRow] {
        var cancellation: (registration: Int?, running: Locked<Bool>, abandonment: BatchAbandonment)?
        if let abandonment = BatchAbandonment.current, let canceller {
            if abandonment.isAbandoned {
                throw PostgresSourceError(.cancelled, "every caller of the batch was cancelled", table: table, sql: sql)
            }
            let pid = try await backendPID(of: connection, in: canceller)
            let running = Locked(true)
            let registration = abandonment.onAbandon { [logger] in
                Task {
                    // The statement may not be active on the server yet: ask again until it is cancelled or over.
                    var binds = PostgresBindings()
                    binds.append(pid)
                    binds.append(sql)
                    let cancel =
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'"
                        + " AND query = $2"
                    for _ in 0..<200 where running.withLock({ $0 }) {
                        do {
                            let rows = try await canceller.query(PostgresQuery(unsafeSQL: cancel, binds: binds))
                                .collect()
                            if !rows.isEmpty { return }
                        } catch {
                            logger.warning("cancelling an abandoned statement failed", metadata: ["error": "\(error)"])
                            return
                        }
                        try? await Task.sleep(for: .milliseconds(25))
                    }
                }
            }
            if abandonment.isAbandoned {
                running.withLock { $0 = false }
                abandonment.remove(registration)
                throw PostgresSourceError(.cancelled, "every caller of the batch was cancelled", table: table, sql: sql)
            }
            cancellation = (registration, running, abandonment)
        }
        defer {
            if let cancellation {
                cancellation.running.withLock { $0 = false }
                cancellation.abandonment.remove(cancellation.registration)
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            // postgres-nio may never answer a statement sent on a connection that has already closed (the server
            // ended it: a restart, `pg_terminate_backend`); such a statement fails here instead of waiting forever.
            guard !connection.isClosed else {
                throw PostgresSourceError(
                    .connection,
                    "the connection is closed (the server ended it)",
                    table: table,
                    sql: sql
                )
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                .collect()
            record(sql, keyCount: keyCount, table: table, rows: rows.count, since: start, role: role, error: nil)
            return rows
        } catch {
            var wrapped = PostgresSourceError.wrapping(error, sql: sql, table: table)
            if let cancellation, cancellation.abandonment.isAbandoned {
                wrapped = PostgresSourceError(
                    .cancelled,
                    "every caller of the batch was cancelled, and so was the statement",
                    table: table,
                    sql: sql,
                    sqlState: wrapped.sqlState,
                    underlying: error
                )
            }
            record(sql, keyCount: keyCount, table: table, rows: 0, since: start, role: role, error: wrapped)
            throw wrapped
        }
    }

    /// The server process of `connection`, asked once per connection (`pg_backend_pid()`), to cancel its statements.
    private func backendPID(of connection: PostgresConnection, in client: PostgresClient) async throws -> Int32 {
        let key = BackendKey(client: ObjectIdentifier(client), connection: connection.id)
        if let pid = backendPIDs.withLock({ $0[key] }) { return pid }
        let rows = try await connection.query("SELECT pg_backend_pid()", logger: logger).collect()
        guard let pid = try rows.first?.decode(Int32.self) else {
            throw PostgresSourceError(.server, "the server did not say its process id")
        }
        backendPIDs.withLock { pids in
            // Connections come and go: a bounded map, emptied when it has seen many.
            if pids.count >= 4096 { pids.removeAll() }
            pids[key] = pid
        }
        return pid
    }

    private func record(
        _ sql: String,
        keyCount: Int?,
        table: String?,
        rows: Int,
        since start: ContinuousClock.Instant,
        role: QueryLog.Role,
        error: (any Error)?
    ) {
        let duration = ContinuousClock.now - start
        if queryLog.isEnabled {
            queryLog.append(
                QueryLog.Entry(
                    sql: sql,
                    keyCount: keyCount,
                    table: table,
                    rowCount: rows,
                    duration: duration,
                    role: role,
                    error: error
                )
            )
        }
        if logger.logLevel <= .debug {
            var metadata: Logger.Metadata = ["role": "\(role.rawValue)", "rows": "\(rows)", "duration": "\(duration)"]
            if let keyCount { metadata["keys"] = "\(keyCount)" }
            if let error { metadata["error"] = "\(error)" }
            logger.debug("\(sql)", metadata: metadata)
        }
    }

    /// Runs `sql` with `values` bound to `$1`, `$2`, … and decodes each row as `Row` by column name, outside any
    /// loader: in the tick's snapshot when called from a batch, else on the read client.
    ///
    /// ```swift
    /// let names = try await pg.query("SELECT id, name FROM users WHERE id > $1 ORDER BY id", [0], as: User.self)
    /// ```
    ///
    /// - Parameters:
    ///   - sql: The statement.
    ///   - values: Its parameters, always bound.
    ///   - rowType: The row type.
    /// - Returns: The rows.
    /// - Throws: ``PostgresSourceError``.
    public func query<Row: Decodable>(
        _ sql: String,
        _ values: [any PostgresEncodable & Sendable] = [],
        as rowType: Row.Type
    ) async throws -> [Row] {
        var bindings = PostgresBindings(capacity: values.count)
        try appendValues(values, to: &bindings, sql: sql)
        let rows = try await read(sql, bindings, keyCount: nil, table: nil)
        return try rows.map { try PostgresRowDecoder(row: $0.makeRandomAccess(), sql: sql, table: nil).decode() }
    }
}

/// Appends `values` to `bindings`, or throws a ``PostgresSourceError`` naming the value that cannot be encoded.
func appendValues(
    _ values: [any PostgresEncodable & Sendable],
    to bindings: inout PostgresBindings,
    sql: String,
    table: String? = nil
) throws {
    for (index, value) in values.enumerated() {
        do {
            try bindings.append(value)
        } catch {
            throw PostgresSourceError(
                .invalidDefinition,
                "value \(index + 1) (\(type(of: value))) cannot be bound: \(error)",
                table: table,
                sql: sql,
                underlying: error
            )
        }
    }
}
