import Foundation

/// The PostgreSQL server a test, the demo or a benchmark uses: the one named by `GBATCHY_POSTGRES_URL`, or else a
/// throwaway ``PostgresTestServer`` started for it.
///
/// ``fromEnvironment(listening:)`` decides. With `GBATCHY_POSTGRES_URL` set (for instance
/// `postgres://app:secret@127.0.0.1:5432/app_test` or `postgres:///app_test?host=/var/run/postgresql`), no server is
/// started and ``connection`` describes that URL; ``psql(_:in:)``, ``createDatabase(_:)`` and
/// ``loadFixture(_:into:fixturesDirectory:)`` then work on that server (choose database names that do not collide
/// with other runs), and ``stop()`` leaves it alone. Restarting needs a started server: match on
/// ``started(_:)``.
///
/// ```swift
/// let endpoint = try await PostgresTestEndpoint.fromEnvironment()
/// defer { try? endpoint.stop() }
/// try endpoint.createDatabase("blog_test")
/// try endpoint.loadFixture("blog", into: "blog_test", fixturesDirectory: fixtures)
/// let info = endpoint.connection.with(database: "blog_test")
/// if case .started(let server) = endpoint { try server.restart() }
/// ```
public enum PostgresTestEndpoint: Sendable {
    /// A server started for this run (stopped and removed by ``PostgresTestEndpoint/stop()``).
    case started(PostgresTestServer)
    /// The server of `GBATCHY_POSTGRES_URL`, which is never started, restarted or stopped here.
    case external(PostgresConnectionInfo)

    /// Whether PostgreSQL tests run here: with `GBATCHY_POSTGRES_URL` set they do, else as
    /// ``PostgresTestServer/availability`` says.
    ///
    /// ```swift
    /// @Suite("Demo", .timeLimit(.minutes(1)), .enabled(if: PostgresTestEndpoint.availability.runsTests))
    /// ```
    public static var availability: PostgresTestAvailability {
        PostgresTestAvailability.forEndpoints(environment: ProcessInfo.processInfo.environment)
    }

    /// The server of `GBATCHY_POSTGRES_URL` when it is set, else a newly started ``PostgresTestServer``.
    ///
    /// ```swift
    /// let endpoint = try await PostgresTestEndpoint.fromEnvironment()
    /// ```
    ///
    /// - Parameter listening: how a started server listens (ignored for an external one).
    /// - Throws: ``PostgresTestServerError/invalidURL(_:reason:)`` for a bad `GBATCHY_POSTGRES_URL`, else what
    ///   ``PostgresTestServer/start(listening:)`` throws.
    public static func fromEnvironment(
        listening: PostgresTestServer.Listening = .unixSocket
    ) async throws(PostgresTestServerError) -> PostgresTestEndpoint {
        try await from(environment: ProcessInfo.processInfo.environment, listening: listening)
    }

    /// ``fromEnvironment(listening:)`` with a given environment.
    static func from(
        environment: [String: String],
        listening: PostgresTestServer.Listening
    ) async throws(PostgresTestServerError) -> PostgresTestEndpoint {
        if let url = environment["GBATCHY_POSTGRES_URL"], !url.isEmpty {
            return .external(try PostgresConnectionInfo(url: url))
        }
        return .started(try await PostgresTestServer.start(listening: listening))
    }

    /// How to connect: the started server's ``PostgresTestServer/connection``, or the URL's parts.
    ///
    /// ```swift
    /// let socket = endpoint.connection.unixSocketPath
    /// ```
    public var connection: PostgresConnectionInfo {
        switch self {
        case .started(let server): return server.connection
        case .external(let info): return info
        }
    }

    /// Runs `sql` with `psql` against `database` (``connection``'s when `nil`); see
    /// ``PostgresTestServer/psql(_:in:)``.
    ///
    /// ```swift
    /// try endpoint.psql("SELECT version()")
    /// ```
    @discardableResult
    public func psql(_ sql: String, in database: String? = nil) throws(PostgresTestServerError) -> String {
        switch self {
        case .started(let server): return try server.psql(sql, in: database)
        case .external(let info): return try Self.runner(info).run(sql, database: database ?? info.database)
        }
    }

    /// Creates an empty database; see ``PostgresTestServer/createDatabase(_:)``.
    ///
    /// ```swift
    /// try endpoint.createDatabase("chinook_\(ProcessInfo.processInfo.processIdentifier)")
    /// ```
    public func createDatabase(_ name: String) throws(PostgresTestServerError) {
        switch self {
        case .started(let server): try server.createDatabase(name)
        case .external(let info): try Self.runner(info).createDatabase(name)
        }
    }

    /// Loads a fixture in one transaction; see ``PostgresTestServer/loadFixture(_:into:fixturesDirectory:)``.
    ///
    /// ```swift
    /// try endpoint.loadFixture("chinook", into: "chinook_test", fixturesDirectory: fixtures)
    /// ```
    public func loadFixture(_ name: String, into database: String, fixturesDirectory: URL)
        throws(PostgresTestServerError)
    {
        switch self {
        case .started(let server):
            try server.loadFixture(name, into: database, fixturesDirectory: fixturesDirectory)
        case .external(let info):
            try Self.runner(info).loadFixture(name, into: database, fixturesDirectory: fixturesDirectory)
        }
    }

    /// Stops and removes a started server; does nothing to an external one.
    ///
    /// ```swift
    /// try endpoint.stop()
    /// ```
    public func stop() throws(PostgresTestServerError) {
        if case .started(let server) = self { try server.stop() }
    }

    /// `psql` on PATH (or beside the server binaries) for an external server, with the system's temporary folder as
    /// scratch space.
    private static func runner(_ info: PostgresConnectionInfo) throws(PostgresTestServerError) -> PsqlRunner {
        let beside = try? PostgresBinaries.find(environment: ProcessInfo.processInfo.environment).get().psql
        guard let psql = beside ?? ProcessRunner.which("psql") else { throw .psqlNotFound }
        return PsqlRunner(
            psql: psql,
            connection: info,
            scratchDirectory: URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        )
    }
}
