import Foundation
import Testing

@testable import GBatchyPostgresTesting

/// The repository's `Fixtures` folder, found from this file's path.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures", isDirectory: true)

/// Whether the server tests run: the shared rule (skip without binaries, fail when `GBATCHY_REQUIRE_POSTGRES=1`),
/// decided once, printing the reason when they skip.
let serverTestsRun: Bool = {
    let availability = PostgresTestServer.availability
    if !availability.runsTests { print(availability) }
    return availability.runsTests
}()

extension Trait where Self == ConditionTrait {
    /// Runs the suite when servers can start, skips it with the reason when not, runs it (so that it fails) when
    /// `GBATCHY_REQUIRE_POSTGRES=1`: the rule of ``PostgresTestServer/availability``.
    static var whenPostgresServersCanStart: Self {
        .enabled(if: serverTestsRun, Comment(rawValue: PostgresTestServer.availability.description))
    }
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

@Suite("Test server", .timeLimit(.minutes(2)), .whenPostgresServersCanStart)
struct PostgresTestServerTests {
    @Test("starts, answers psql, keeps its data across a restart, stops and removes its folder")
    func lifecycle() async throws {
        let clock = ContinuousClock.now
        let server = try await PostgresTestServer.start()
        let started = seconds(since: clock)
        #expect(server.username == "postgres")
        #expect(server.unixSocketPath == "\(server.socketDirectory)/.s.PGSQL.\(server.port)")
        #expect(server.unixSocketPath.utf8.count < 100)
        #expect(FileManager.default.fileExists(atPath: server.unixSocketPath))
        #expect(try PostgresConnectionInfo(url: server.url) == server.connection)
        #expect(server.connection.unixSocketPath == server.unixSocketPath)
        #expect(try server.psql("SELECT 1") == "1")
        #expect(try server.psql("SELECT current_database(), current_user") == "\(server.database)|postgres")
        #expect(try server.psql("SHOW listen_addresses") == "")
        #expect(try server.psql("SHOW fsync") == "off")

        try server.psql("CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (7);")
        let pidBefore = try server.psql("SELECT pg_postmaster_start_time()")
        let restartClock = ContinuousClock.now
        try server.restart()
        let restarted = seconds(since: restartClock)
        #expect(try server.psql("SELECT pg_postmaster_start_time()") != pidBefore)
        #expect(try server.psql("SELECT id FROM kept") == "7")
        #expect(FileManager.default.fileExists(atPath: server.unixSocketPath))

        let stopClock = ContinuousClock.now
        try server.stop()
        let stopped = seconds(since: stopClock)
        #expect(!FileManager.default.fileExists(atPath: server.socketDirectory))
        #expect(throws: PostgresTestServerError.serverStopped(socketDirectory: server.socketDirectory)) {
            try server.psql("SELECT 1")
        }
        try server.stop()  // a second stop does nothing
        print(
            "PostgresTestServer: start \(String(format: "%.2f", started)) s, restart"
                + " \(String(format: "%.2f", restarted)) s, stop \(String(format: "%.2f", stopped)) s"
        )
    }

    @Test("a server nobody stopped is stopped and removed when its last reference goes away")
    func stoppedOnRelease() async throws {
        var server: PostgresTestServer? = try await PostgresTestServer.start()
        let folder = server?.socketDirectory ?? ""
        let pid = try server?.psql("SELECT pg_backend_pid()") ?? ""
        #expect(FileManager.default.fileExists(atPath: folder))
        #expect(!pid.isEmpty)
        server = nil
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test("a process that exits without stopping its server stops it and removes its folder and the template")
    func stoppedAtExit() async throws {
        let result = try await #require(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let server = try await PostgresTestServer.start()
            let pidFile = try String(contentsOfFile: server.socketDirectory + "/data/postmaster.pid", encoding: .utf8)
            let template = PostgresTestServer.templates.withLock { $0.values.first ?? "" }
            print("folder=\(server.socketDirectory)")
            print("template=\(template)")
            print("pid=\(pidFile.split(separator: "\n").first ?? "")")
            withExtendedLifetime(server) { exit(0) }
        }
        var printed: [String: String] = [:]
        for line in String(decoding: result.standardOutputContent, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { printed[parts[0]] = parts[1] }
        }
        let folder = try #require(printed["folder"])
        let template = try #require(printed["template"])
        let pid = try #require(printed["pid"].flatMap { pid_t($0) })
        #expect(folder.hasPrefix("/") && template.hasPrefix("/"))
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(!FileManager.default.fileExists(atPath: template))
        // pg_ctl stop -w returned only once the postmaster was gone; init may not have reaped it yet.
        var polls = 0
        while kill(pid, 0) == 0 && polls < 500 {
            polls += 1
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(kill(pid, 0) != 0, "the postmaster \(pid) of the exited process is gone")
    }

    @Test("a server killed with SIGKILL (it leaves postmaster.pid) still stops cleanly")
    func stopAfterKill() async throws {
        let server = try await PostgresTestServer.start()
        defer { try? server.stop() }
        let pidFile = try String(contentsOfFile: server.socketDirectory + "/data/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidFile.split(separator: "\n").first.flatMap { pid_t($0) })
        #expect(kill(pid, SIGKILL) == 0)
        // The postmaster is not our child: wait (bounded) until init has reaped it.
        var polls = 0
        while kill(pid, 0) == 0 && polls < 500 {
            polls += 1
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(kill(pid, 0) != 0, "the killed postmaster \(pid) is gone")
        #expect(FileManager.default.fileExists(atPath: server.socketDirectory + "/data/postmaster.pid"))
        #expect(throws: PostgresTestServerError.self) { try server.psql("SELECT 1") }
        try server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.socketDirectory))
    }

    @Test("a failing statement throws psql's error, naming the database")
    func psqlError() async throws {
        let server = try await PostgresTestServer.start()
        defer { try? server.stop() }
        let error = #expect(throws: PostgresTestServerError.self) {
            try server.psql("SELECT 1; SELECT * FROM no_such_table; SELECT 2;")
        }
        guard case .psqlFailed(let database, let standardError) = error else {
            Issue.record("expected psqlFailed, got \(String(describing: error))")
            return
        }
        #expect(database == server.database)
        #expect(standardError.contains("relation \"no_such_table\" does not exist"))
        #expect(throws: PostgresTestServerError.self) { try server.createDatabase(server.database) }
    }

    @Test("loads the blog and chinook fixtures with their documented facts")
    func fixtures() async throws {
        let server = try await PostgresTestServer.start()
        defer { try? server.stop() }
        try server.createDatabase("blog")
        try server.loadFixture("blog", into: "blog", fixturesDirectory: fixturesDirectory)
        // Fixtures/blog/README.md, "Tables and row counts" and "Facts".
        let counts = try server.psql(
            """
            SELECT (SELECT count(*) FROM authors), (SELECT count(*) FROM posts), (SELECT count(*) FROM comments),
                (SELECT count(*) FROM tags), (SELECT count(*) FROM post_tags), (SELECT count(*) FROM users)
            """,
            in: "blog"
        )
        #expect(counts == "6|12|20|5|16|5")
        #expect(
            try server.psql(
                "SELECT string_agg(id::text, ',' ORDER BY id) FROM posts WHERE published_at IS NULL",
                in: "blog"
            )
                == "3,7,11"
        )
        #expect(try server.psql("SELECT sum(score) FROM posts", in: "blog") == "32.75")
        #expect(
            try server.psql("SELECT body FROM comments WHERE id = 19", in: "blog")
                == "-- not a SQL comment; DROP nothing"
        )
        #expect(try server.psql("SELECT title FROM posts WHERE id = 2", in: "blog") == "Ada's Second Note")
        // SQLite types: 64-bit integers, 8-byte floats, ids that continue after the loaded rows.
        #expect(
            try server.psql(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'posts' AND column_name IN ('id', 'score') ORDER BY column_name",
                in: "blog"
            ) == "bigint\ndouble precision"
        )
        #expect(try server.psql("INSERT INTO tags (name) VALUES ('new') RETURNING id", in: "blog") == "6")

        try server.createDatabase("chinook")
        let clock = ContinuousClock.now
        try server.loadFixture("chinook", into: "chinook", fixturesDirectory: fixturesDirectory)
        let loaded = seconds(since: clock)
        print("PostgresTestServer: chinook loaded in \(String(format: "%.2f", loaded)) s")
        // Fixtures/chinook/README.md, "Tables and row counts", "Totals and ranges" and "Awkward strings".
        #expect(
            try server.psql(
                "SELECT (SELECT count(*) FROM tracks), (SELECT count(*) FROM playlist_tracks), (SELECT count(*) FROM invoice_items)",
                in: "chinook"
            ) == "3503|8715|2240"
        )
        #expect(try server.psql("SELECT to_char(sum(total), 'FM9999.00') FROM invoices", in: "chinook") == "2328.60")
        #expect(try server.psql("SELECT sum(milliseconds) FROM tracks", in: "chinook") == "1378778040")
        #expect(
            try server.psql("SELECT name FROM tracks WHERE id = 3435", in: "chinook")
                == #"Cavalleria Rusticana \ Act \ Intermezzo Sinfonico"#
        )
        #expect(
            try server.psql("SELECT name, length(name), octet_length(name) FROM artists WHERE id = 6", in: "chinook")
                == "Antônio Carlos Jobim|20|21"
        )
    }

    @Test("a fixture that fails to load leaves nothing and names the file and line")
    func failedLoad() async throws {
        let server = try await PostgresTestServer.start()
        defer { try? server.stop() }
        let fixtures = URL(fileURLWithPath: server.socketDirectory).appendingPathComponent("fixtures")
        let broken = fixtures.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL);\n"
            .write(to: broken.appendingPathComponent("schema.sql"), atomically: true, encoding: .utf8)
        try "BEGIN;\nINSERT INTO t VALUES (1, 0.5);\nINSERT INTO t VALUES (1, 0.5);\nCOMMIT;\n"
            .write(to: broken.appendingPathComponent("data.sql"), atomically: true, encoding: .utf8)
        let error = #expect(throws: PostgresTestServerError.self) {
            try server.loadFixture("broken", into: server.database, fixturesDirectory: fixtures)
        }
        guard case .fixtureLoadFailed(let name, let database, let standardError) = error else {
            Issue.record("expected fixtureLoadFailed, got \(String(describing: error))")
            return
        }
        #expect(name == "broken" && database == server.database)
        #expect(standardError.contains(".data.sql:3: ERROR:  duplicate key value"))
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 't'") == "0")
        #expect(
            throws: PostgresTestServerError.fixtureNotFound(
                name: "missing",
                path: fixtures.appendingPathComponent("missing/schema.sql").path
            )
        ) {
            try server.loadFixture("missing", into: server.database, fixturesDirectory: fixtures)
        }
    }

    @Test(
        "two servers started at once have their own folders and ports; loopback TCP listens on 127.0.0.1 and serves as an external endpoint"
    )
    func concurrentStarts() async throws {
        async let first = PostgresTestServer.start()
        async let second = PostgresTestServer.start(listening: .loopbackTCP)
        let servers = try await [first, second]
        defer { for server in servers { try? server.stop() } }
        #expect(servers[0].socketDirectory != servers[1].socketDirectory)
        #expect(servers[0].port != servers[1].port)
        try servers[0].psql("CREATE TABLE only_here (x int)")
        #expect(try servers[1].psql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "0")
        #expect(servers[1].connection.host == "127.0.0.1")
        #expect(try servers[1].psql("SHOW listen_addresses") == "127.0.0.1")
        #expect(try servers[1].psql("SHOW port") == String(servers[1].port))

        // The TCP server's URL as GBATCHY_POSTGRES_URL: an external endpoint, used over TCP, never stopped here.
        let endpoint = try await PostgresTestEndpoint.from(
            environment: ["GBATCHY_POSTGRES_URL": servers[1].url],
            listening: .unixSocket
        )
        #expect(endpoint.connection == servers[1].connection)
        try endpoint.createDatabase("external")
        try endpoint.loadFixture("blog", into: "external", fixturesDirectory: fixturesDirectory)
        #expect(try endpoint.psql("SELECT count(*) FROM post_tags", in: "external") == "16")
        #expect(try endpoint.psql("SELECT inet_server_addr()") == "127.0.0.1")
        try endpoint.stop()
        #expect(try servers[1].psql("SELECT 1") == "1")
    }
}
