import Foundation
import GBatchy
import GBatchyPostgres
import GBatchyPostgresTesting
import PostgresNIO
import Testing

/// A filter that sleeps once per statement (an uncorrelated subquery runs once), for `seconds`.
private let sleepingFilter = "(SELECT pg_sleep(?)) IS NOT NULL"

@Suite("PostgreSQL faults", .timeLimit(.minutes(2)), .whenPostgresIsAvailable)
struct PostgresFaultTests {
    @Test("server restarted mid-tick: every waiter gets .connection naming the table; the next tick reconnects")
    func restartDuringTick() async throws {
        try await withOwnServer { server, pg in
            let slow = pg.loader(Author.self, table: "authors", key: "id", where: sleepingFilter, [30.0])
            // Both statements sleep: the tick's statements run one after the other on its connection, in either
            // order, so the restart finds one running and the other not yet finished, whichever went first.
            let slowPosts = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: sleepingFilter,
                [30.0],
                orderBy: "id"
            )
            let posts = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            let tick = Task {
                await withBatchContext {
                    let (a, b, p) = (slow.future(1), slow.future(2), slowPosts.future(1))
                    return await (a.result, b.result, p.result)
                }
            }
            _ = try await backendRunning(sleepingMarker, psql: { try server.psql($0) })
            try await offThread { try server.restart() }
            let (a, b, p) = try await bounded("the tick after the restart") { await tick.value }
            for failure in [a.failure, b.failure] {
                #expect(failure?.code == .connection, "\(String(describing: failure))")
                #expect(failure?.table == "authors")
                #expect(failure?.sql?.contains("pg_sleep") == true)
            }
            #expect(p.failure?.code == .connection, "\(String(describing: p.failure))")
            #expect(p.failure?.table == "posts")
            // The next tick reconnects and reads everything.
            let again = try await bounded("the next tick") {
                try await withBatchContext {
                    async let authors = pg.loader(Author.self, table: "authors", key: "id").loadAll([1, 2])
                    async let groups = posts.load(1)
                    return try await (authors, groups)
                }
            }
            #expect(again.0.map { $0?.name } == ["Ada Lovelace", "Grace Hopper"])
            #expect(again.1.map(\.id) == [1, 2, 3, 4])
        }
    }

    @Test("server restarted between ticks: the pooled connections died; the next tick reconnects and works")
    func restartBetweenTicks() async throws {
        try await withOwnServer { server, pg in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let posts = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            func tick() async throws -> ([String?], [Int]) {
                try await bounded("a tick") {
                    try await withBatchContext {
                        async let a = authors.loadAll([1, 2])
                        async let p = posts.load(2)
                        return try await (a.map { $0?.name }, p.map(\.id))
                    }
                }
            }
            let before = try await tick()
            try await offThread { try server.restart() }
            let after = try await tick()
            #expect(before == after)
            #expect(after.0 == ["Ada Lovelace", "Grace Hopper"])
            #expect(after.1 == [5, 6, 7])
        }
    }

    @Test("backend terminated mid-statement: every waiter gets .connection; the next tick works")
    func terminatedBackend() async throws {
        try await withBlogSource { pg, endpoint, database in
            let slow = pg.loader(Author.self, table: "authors", key: "id", where: sleepingFilter, [30.0])
            let tags = pg.loader(Tag.self, table: "tags", key: "id")
            let tick = Task {
                await withBatchContext {
                    let (a, b, t) = (slow.future(1), slow.future(3), tags.future(1))
                    return await (a.result, b.result, t.result)
                }
            }
            let pid = try await backendRunning(sleepingMarker, psql: { try endpoint.psql($0, in: database) })
            #expect(try endpoint.psql("SELECT pg_terminate_backend(\(pid))") == "t")
            let (a, b, t) = try await bounded("the tick after the kill") { await tick.value }
            for failure in [a.failure, b.failure] {
                #expect(failure?.code == .connection, "\(String(describing: failure))")
                #expect(failure?.table == "authors")
            }
            #expect(t.failure?.code == .connection, "\(String(describing: t.failure))")
            #expect(t.failure?.table == "tags")
            let again = try await bounded("the next tick") {
                try await withBatchContext {
                    async let a = pg.loader(Author.self, table: "authors", key: "id").load(3)
                    async let t = tags.load(1)
                    return try await (a?.name, t?.name)
                }
            }
            #expect(again.0 == "Alan Turing")
            #expect(again.1 != nil)
        }
    }

    @Test("statement_timeout: every waiter of the slow loader gets .server 57014; the other loader still answers")
    func statementTimeout() async throws {
        try await withBlogSource { pg, endpoint, database in
            try endpoint.psql("ALTER DATABASE \(database) SET statement_timeout = '300ms'")
            let slow = pg.loader(Author.self, table: "authors", key: "id", where: sleepingFilter, [5.0])
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let (a, b, c) = try await bounded("the timed-out tick") {
                await withBatchContext {
                    let (a, b, c) = (slow.future(1), slow.future(2), authors.future(4))
                    return await (a.result, b.result, c.result)
                }
            }
            for failure in [a.failure, b.failure] {
                #expect(failure?.code == .server, "\(String(describing: failure))")
                #expect(failure?.sqlState == "57014")
                #expect(failure?.table == "authors")
                #expect(failure?.message.contains("statement timeout") == true)
            }
            // The aborted snapshot does not take the other loader down: it reads on its own.
            #expect(try c.get()?.name == "Edsger Dijkstra")
            let next = try await bounded("the next tick") { try await withBatchContext { try await authors.load(2) } }
            #expect(next?.name == "Grace Hopper")
        }
    }

    @Test("a missing role fails the first load with .connection within seconds, naming the statement; no hang")
    func missingRole() async throws {
        let endpoint = try await sharedEndpoint.value
        var configuration = clientConfiguration(endpoint, database: "postgres")
        configuration.username = "gbatchy_no_such_role"
        try await expectConnectionFailure(configuration)
    }

    @Test("a missing database fails the first load with .connection within seconds; no hang")
    func missingDatabase() async throws {
        let endpoint = try await sharedEndpoint.value
        try await expectConnectionFailure(clientConfiguration(endpoint, database: "gbatchy_no_such_database"))
    }

    @Test("a stopped server (its socket gone) fails the first load with .connection within seconds; no hang")
    func stoppedServer() async throws {
        let server = try await PostgresTestServer.start()
        let configuration = ownConfiguration(server)
        try server.stop()
        try await expectConnectionFailure(configuration, limit: nil)  // the default limit
    }

    @Test("a wrong password (scram-sha-256 for one role) fails with .connection within seconds; the right one loads")
    func wrongPassword() async throws {
        let server = try await PostgresTestServer.start()
        defer { try? server.stop() }
        try server.loadFixture("blog", into: server.database, fixturesDirectory: fixturesDirectory)
        try server.psql(
            "CREATE ROLE gbatchy_locked LOGIN PASSWORD 'right'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO gbatchy_locked"
        )
        let hba = server.socketDirectory + "/data/pg_hba.conf"
        let rules = try String(contentsOfFile: hba, encoding: .utf8)
        try ("local all gbatchy_locked scram-sha-256\n" + rules).write(toFile: hba, atomically: false, encoding: .utf8)
        try await offThread { try server.restart() }
        try await expectConnectionFailure(ownConfiguration(server, username: "gbatchy_locked", password: "wrong"))
        let name = try await withClients([ownConfiguration(server, username: "gbatchy_locked", password: "right")]) {
            let authors = PostgresSource(client: $0[0]).loader(Author.self, table: "authors", key: "id")
            return try await bounded("a load with the right password") {
                try await withBatchContext { try await authors.load(1)?.name }
            }
        }
        #expect(name == "Ada Lovelace")
    }

    @Test("a replica that is down: loads fall back to the primary within seconds, single and multi-statement ticks")
    func replicaDown() async throws {
        let endpoint = try await sharedEndpoint.value
        let down = PostgresClient.Configuration(
            unixSocketPath: NSTemporaryDirectory() + "gbatchy-no-server-\(UUID().uuidString)/.s.PGSQL.5432",
            username: "postgres",
            password: nil,
            database: "postgres"
        )
        try await withBlogSource { _, _, database in
            try await withClients([clientConfiguration(endpoint, database: database), down]) { clients in
                let pg = PostgresSource(client: clients[0], readClient: clients[1], connectionWaitLimit: .seconds(8))
                let authors = pg.loader(Author.self, table: "authors", key: "id")
                let posts = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
                let start = ContinuousClock.now
                let one = try await bounded("a single-statement tick") {
                    try await withBatchContext { try await authors.load(1)?.name }
                }
                let first = ContinuousClock.now - start
                let two = try await bounded("a two-statement tick") {
                    try await withBatchContext {
                        async let a = authors.load(2)
                        async let p = posts.load(1)
                        return try await (a?.name, p.map(\.id))
                    }
                }
                let second = ContinuousClock.now - start - first
                #expect(one == "Ada Lovelace")
                #expect(two.0 == "Grace Hopper")
                #expect(two.1 == [1, 2, 3, 4])
                #expect(pg.queryLog.entries.filter { $0.error == nil }.allSatisfy { $0.role == .writer })
                print("replica down: the first tick answered in \(first), the second in \(second)")
                // One wait for the replica (the source's limit, 8 s: the primary must connect within it even while
                // the whole suite runs), then reads skip the replica for a while.
                #expect(first >= .seconds(8), "\(first)")
                #expect(first < .seconds(30), "\(first)")
                #expect(second < .seconds(5), "\(second)")
            }
        }
    }

    @Test("body throws its own error midway through write {}: nothing visible, the cache untouched, next write works")
    func writeBodyThrows() async throws {
        struct Abandon: Error {}
        try await withBlogSource { pg, endpoint, database in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let count = pg.countLoader(table: "comments", key: "post_id")
            try await withBatchContext { () async throws in
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                #expect(try await count.load(1) == 4)
                pg.queryLog.clear()
                let error = await capture {
                    try await pg.write { tx in
                        try await tx.execute("UPDATE authors SET name = 'Changed' WHERE id = 1")
                        try await tx.execute("INSERT INTO comments (id, post_id, body) VALUES (200, 1, 'x')")
                        throw Abandon()
                    }
                }
                #expect(error is Abandon, "\(String(describing: error))")
                #expect(pg.queryLog.entries.map(\.sql).last == "ROLLBACK")
                pg.queryLog.clear()
                #expect(try await authors.load(1)?.name == "Ada Lovelace")
                #expect(try await count.load(1) == 4)
                #expect(pg.queryLog.entries.isEmpty)  // both from the cache: nothing was cleared
            }
            #expect(try endpoint.psql("SELECT name FROM authors WHERE id = 1", in: database) == "Ada Lovelace")
            #expect(try endpoint.psql("SELECT count(*) FROM comments WHERE id = 200", in: database) == "0")
            // The connection went back to the pool outside any transaction: the next write commits.
            try await pg.write { tx in try await tx.execute("UPDATE authors SET name = 'Ada King' WHERE id = 1") }
            #expect(try endpoint.psql("SELECT name FROM authors WHERE id = 1", in: database) == "Ada King")
        }
    }

    @Test(
        "the caller cancelled while its statement runs: CancellationError at once; the statement cancelled on the server"
    )
    func cancelledCaller() async throws {
        try await withBlogSource { pg, endpoint, database in
            let slow = pg.loader(Author.self, table: "authors", key: "id", where: sleepingFilter, [30.0])
            let tick = Task {
                try await withBatchContext {
                    async let a = slow.load(1)
                    async let b = slow.load(2)
                    return try await (a, b)
                }
            }
            let pid = try await backendRunning(sleepingMarker, psql: { try endpoint.psql($0, in: database) })
            let start = ContinuousClock.now
            tick.cancel()
            let error = await capture { _ = try await bounded("the cancelled tick") { try await tick.value } }
            let waited = ContinuousClock.now - start
            #expect(error is CancellationError, "\(String(describing: error))")
            #expect(waited < .seconds(10), "\(waited)")  // at once; slack for a loaded machine
            // Nobody waits for the statement any more: it is cancelled on the server (long before its 30 s), and the
            // backend goes back to idle, its connection healthy in the pool.
            try await bounded("the statement's cancel on the server", .seconds(20)) {
                let query =
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid) AND state = 'active'"
                    + " AND query LIKE '%\(sleepingMarker)%'"
                while try await offThread({ try endpoint.psql(query, in: database) })
                    .trimmingCharacters(in: .whitespacesAndNewlines) != "0"
                {
                    // Polls the server's state, bounded above; no batch waits on this clock.
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            #expect(try await withBatchContext { try await authors.load(3) }?.name == "Alan Turing")
        }
    }
}

// MARK: - Helpers

/// Text of the sleeping statement, as `pg_stat_activity` shows it.
private let sleepingMarker = "pg_sleep"

extension Result {
    /// The failure as a ``PostgresSourceError``, or `nil` (success, or another error type).
    fileprivate var failure: PostgresSourceError? {
        if case .failure(let error) = self { return error as? PostgresSourceError }
        return nil
    }
}

/// A wait that took longer than its bound.
struct BoundExceeded: Error, CustomStringConvertible {
    let what: String
    let limit: Duration
    var description: String { "\(what) did not finish within \(limit)" }
}

/// Runs `body`, throwing ``BoundExceeded`` when it takes longer than `limit` (and cancelling it): no wait of the suite
/// is unbounded. `body` runs in a task of its own, so even a wait that ignores cancellation cannot hold the test.
func bounded<R: Sendable>(
    _ what: String,
    _ limit: Duration = .seconds(40),
    _ body: @escaping @Sendable () async throws -> R
) async throws -> R {
    let work = Task { try await body() }
    let waiter = Locked<CheckedContinuation<R, any Error>?>(nil)
    let finish = { @Sendable (result: Result<R, any Error>) in
        waiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }?.resume(with: result)
    }
    return try await withCheckedThrowingContinuation { continuation in
        waiter.withLock { $0 = continuation }
        Task { finish(await work.result) }
        Task {
            // The bound itself: a real timeout, not a wait for a batch.
            try? await Task.sleep(for: limit)
            work.cancel()
            finish(.failure(BoundExceeded(what: what, limit: limit)))
        }
    }
}

/// Runs blocking work (`pg_ctl`, `psql`) on a dispatch thread, off the cooperative pool.
func offThread<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// The pid of the backend running a statement containing `marker` in the database `psql` runs in, polled every
/// 20 ms for at most 40 s (the statement is sent by another task; this is what the test waits for).
func backendRunning(_ marker: String, psql: @escaping @Sendable (String) throws -> String) async throws -> Int {
    let deadline = ContinuousClock.now + .seconds(40)
    let query =
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
        + "AND pid <> pg_backend_pid() AND query LIKE '%\(marker)%' ORDER BY pid LIMIT 1"
    while ContinuousClock.now < deadline {
        if let pid = Int(try await offThread { try psql(query) }) { return pid }
        // Polls pg_stat_activity until the statement is there, bounded by the deadline; no batch waits on this clock.
        try await Task.sleep(for: .milliseconds(20))
    }
    throw BoundExceeded(what: "a backend running \(marker)", limit: .seconds(40))
}

/// Expects the first load through a client of `configuration` to fail with `.connection`, naming the statement and
/// the table, soon after the source's `connectionWaitLimit` (`limit`, or the default 10 s): postgres-nio's pool alone
/// would keep it waiting a minute.
func expectConnectionFailure(
    _ configuration: PostgresClient.Configuration,
    limit: Duration? = .seconds(2)
) async throws {
    try await withClients([configuration]) { clients in
        let pg =
            if let limit {
                PostgresSource(client: clients[0], connectionWaitLimit: limit)
            } else {
                PostgresSource(client: clients[0])
            }
        let authors = pg.loader(Author.self, table: "authors", key: "id")
        let start = ContinuousClock.now
        let error = await capture {
            _ = try await bounded("a load that cannot connect", .seconds(90)) {
                try await withBatchContext { try await authors.loadAll([1, 2]) }
            }
        }
        let waited = ContinuousClock.now - start
        print("connection failure after \(waited): \(String(describing: error))")
        let failure = try #require(error as? PostgresSourceError, "\(String(describing: error))")
        #expect(failure.code == .connection)
        #expect(failure.table == "authors")
        #expect(failure.sql != nil)
        // The limit, and slack for a loaded machine (2 cores shared by parallel tests); never the pool's minute.
        #expect(waited >= (limit ?? .seconds(10)), "\(waited)")
        #expect(waited < (limit ?? .seconds(10)) + .seconds(25), "\(waited)")
    }
}

/// A server of the test's own (the faults disturb it), with the blog fixture in its database, a running client and a
/// source on it; the server is stopped afterwards.
func withOwnServer<R: Sendable>(
    configure: (inout PostgresClient.Configuration) -> Void = { _ in },
    _ body: (PostgresTestServer, PostgresSource) async throws -> R
) async throws -> R {
    let server = try await PostgresTestServer.start()
    defer { try? server.stop() }
    try server.loadFixture("blog", into: server.database, fixturesDirectory: fixturesDirectory)
    var configuration = ownConfiguration(server)
    configure(&configuration)
    return try await withClients([configuration]) { clients in
        // A generous wait for a connection: the whole test suite runs in parallel on few cores.
        try await body(server, PostgresSource(client: clients[0], connectionWaitLimit: .seconds(30)))
    }
}

/// The client configuration of `server`'s database through its Unix socket.
func ownConfiguration(
    _ server: PostgresTestServer,
    username: String? = nil,
    password: String? = nil,
    database: String? = nil
) -> PostgresClient.Configuration {
    PostgresClient.Configuration(
        unixSocketPath: server.unixSocketPath,
        username: username ?? server.username,
        password: password,
        database: database ?? server.database
    )
}
