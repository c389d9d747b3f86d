import Foundation
import GBatchy
import GBatchyPostgres
import Logging
import PostgresNIO

/// Where the tests' server is: its Unix socket folder and port, its user, and a way to run SQL as an administrator.
struct PostgresEndpoint: Sendable {
    let socketDirectory: String
    let port: Int
    let username: String

    func configuration(database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
            username: username,
            password: nil,
            database: database
        )
    }

    /// Runs `sql` through psql in `database`, stopping at the first error.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", username,
            "-d", database,
        ]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostgresTestFailure(message: failure) }
        return text
    }
}

struct PostgresTestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The tests' one server.
let testEndpoint = PostgresEndpoint(socketDirectory: "/tmp/pgdev", port: 5499, username: "postgres")

/// A counter for fresh database names.
private let databaseCounter = Locked(0)

/// A fresh database copied from the blog fixture, a running client on it and a source; dropped afterwards.
func withBlogSource<R: Sendable>(
    readClient: Bool = false,
    _ body: (PostgresSource, PostgresEndpoint, String) async throws -> R
) async throws -> R {
    let endpoint = testEndpoint
    let name = "blog_\(ProcessInfo.processInfo.processIdentifier)_\(databaseCounter.withLock { $0 += 1; return $0 })"
    try endpoint.psql("CREATE DATABASE \(name) TEMPLATE blog")
    defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    let client = PostgresClient(configuration: endpoint.configuration(database: name))
    let replica = readClient ? PostgresClient(configuration: endpoint.configuration(database: name)) : nil
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        if let replica { group.addTask { await replica.run() } }
        defer { group.cancelAll() }
        let source = PostgresSource(client: client, readClient: replica)
        return try await body(source, endpoint, name)
    }
}

/// Whether the tests' server is there.
let postgresAvailable = FileManager.default.fileExists(atPath: "/tmp/pgdev/.s.PGSQL.5499")
