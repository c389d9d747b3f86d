import Foundation
import GBatchy
import GBatchyPostgres
import GBatchyPostgresTesting
import Logging
import PostgresNIO
import Testing

/// The repository's `Fixtures` folder, found from this file's path.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures", isDirectory: true)

extension Trait where Self == ConditionTrait {
    /// Runs a suite where a PostgreSQL server can be started (or `GBATCHY_POSTGRES_URL` names one); skips it, saying
    /// why, where none can, unless `GBATCHY_REQUIRE_POSTGRES=1`, which makes it fail instead.
    static var whenPostgresIsAvailable: Self {
        let availability = PostgresTestEndpoint.availability
        return .enabled(if: availability.runsTests, Testing.Comment(rawValue: availability.description))
    }
}

/// The process's one test server (or the server of `GBATCHY_POSTGRES_URL`), with the blog and Chinook fixtures loaded
/// once into template databases that each test copies.
let sharedEndpoint = Task { () throws -> PostgresTestEndpoint in
    let endpoint = try await PostgresTestEndpoint.fromEnvironment()
    let suffix = "\(ProcessInfo.processInfo.processIdentifier)"
    for fixture in ["blog", "chinook"] {
        let template = "gbatchy_\(fixture)_\(suffix)"
        try endpoint.psql("DROP DATABASE IF EXISTS \(template)")
        try endpoint.createDatabase(template)
        try endpoint.loadFixture(fixture, into: template, fixturesDirectory: fixturesDirectory)
    }
    return endpoint
}

/// A counter for fresh database names.
private let databaseCounter = Locked(0)

/// The client configuration of `database` on `endpoint`.
func clientConfiguration(_ endpoint: PostgresTestEndpoint, database: String) -> PostgresClient.Configuration {
    let info = endpoint.connection
    if let socket = info.unixSocketPath {
        return PostgresClient.Configuration(
            unixSocketPath: socket,
            username: info.username,
            password: info.password,
            database: database
        )
    }
    return PostgresClient.Configuration(
        host: info.host,
        port: info.port,
        username: info.username,
        password: info.password,
        database: database,
        tls: .disable
    )
}

/// Runs `body` with running clients for `configurations`, cancelling them afterwards.
func withClients<R: Sendable>(
    _ configurations: [PostgresClient.Configuration],
    _ body: ([PostgresClient]) async throws -> R
) async throws -> R {
    let clients = configurations.map { PostgresClient(configuration: $0) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        for client in clients { group.addTask { await client.run() } }
        defer { group.cancelAll() }
        return try await body(clients)
    }
}

/// A fresh database copied from a fixture, a running client on it (and a second one, as a replica, when asked) and a
/// source; the database is dropped afterwards.
func withFixtureSource<R: Sendable>(
    _ fixture: String = "blog",
    readClient: Bool = false,
    _ body: (PostgresSource, PostgresTestEndpoint, String) async throws -> R
) async throws -> R {
    let endpoint = try await sharedEndpoint.value
    let number = databaseCounter.withLock {
        $0 += 1
        return $0
    }
    let suffix = "\(ProcessInfo.processInfo.processIdentifier)"
    let name = "\(fixture)_\(suffix)_\(number)"
    try endpoint.psql("CREATE DATABASE \(name) TEMPLATE gbatchy_\(fixture)_\(suffix)")
    defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    let configuration = clientConfiguration(endpoint, database: name)
    return try await withClients(readClient ? [configuration, configuration] : [configuration]) { clients in
        let source = PostgresSource(client: clients[0], readClient: clients.count > 1 ? clients[1] : nil)
        return try await body(source, endpoint, name)
    }
}

/// A fresh copy of the blog fixture (see ``withFixtureSource(_:readClient:_:)``).
func withBlogSource<R: Sendable>(
    readClient: Bool = false,
    _ body: (PostgresSource, PostgresTestEndpoint, String) async throws -> R
) async throws -> R {
    try await withFixtureSource("blog", readClient: readClient, body)
}
