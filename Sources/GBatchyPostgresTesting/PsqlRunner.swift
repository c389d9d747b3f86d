import Foundation

/// Runs `psql` against one server: statements and fixture loads, shared by ``PostgresTestServer`` and
/// ``PostgresTestEndpoint``.
struct PsqlRunner: Sendable {
    /// The `psql` executable.
    let psql: String
    /// The server; `database` is the default one.
    let connection: PostgresConnectionInfo
    /// Where statement files and output files are written (and removed after each call).
    let scratchDirectory: URL

    /// The options every call shares: no `.psqlrc`, quiet, stop at the first error, unaligned tuples only.
    private func arguments(database: String) -> [String] {
        [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", connection.host, "-p", String(connection.port), "-U",
            connection.username, "-d", database,
        ]
    }

    private var environment: [String: String] {
        var environment = ["PGCONNECT_TIMEOUT": "10", "PGOPTIONS": "-c client_min_messages=warning"]
        if let password = connection.password { environment["PGPASSWORD"] = password }
        return environment
    }

    /// Runs `sql` (one or more statements, fed on standard input) and returns standard output without its final
    /// newline.
    func run(_ sql: String, database: String) throws(PostgresTestServerError) -> String {
        let input = scratchDirectory.appendingPathComponent("psql-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try Data(sql.utf8).write(to: input)
        } catch {
            throw .temporaryFolderFailed(path: input.path, reason: "\(error)")
        }
        let output = try ProcessRunner.run(
            psql,
            arguments(database: database),
            standardInput: input,
            environment: environment,
            workingDirectory: scratchDirectory,
            scratchDirectory: scratchDirectory
        )
        guard output.status == 0 else {
            throw .psqlFailed(database: database, standardError: output.combined)
        }
        var text = output.standardOutput
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// `CREATE DATABASE "<name>"`, run from the `postgres` database.
    func createDatabase(_ name: String) throws(PostgresTestServerError) {
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        _ = try run("CREATE DATABASE \(quoted);", database: "postgres")
    }

    /// Loads `Fixtures/<name>/schema.sql`, `data.sql` and ``PostgresFixtureTranslation/identityResetSQL``, translated,
    /// in one `psql --single-transaction` call: all of it or nothing.
    func loadFixture(_ name: String, into database: String, fixturesDirectory: URL) throws(PostgresTestServerError) {
        let folder = fixturesDirectory.appendingPathComponent(name, isDirectory: true)
        let safeName = String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let id = UUID().uuidString.prefix(8)
        // The files psql runs, in order; `written` are the ones written here, removed afterwards (never the
        // fixture's own `postgres.sql`, wherever the checkout lies).
        var files: [URL] = []
        var written: [URL] = []
        defer {
            for file in written { try? FileManager.default.removeItem(at: file) }
        }
        for part in ["schema", "data"] {
            let source = folder.appendingPathComponent("\(part).sql")
            let text: String
            do {
                text = try String(contentsOf: source, encoding: .utf8)
            } catch {
                throw .fixtureNotFound(name: name, path: source.path)
            }
            let file = scratchDirectory.appendingPathComponent("\(safeName)-\(id).\(part).sql")
            files.append(file)
            written.append(file)
            do {
                try Data(PostgresFixtureTranslation.translate(text).utf8).write(to: file)
            } catch {
                throw .temporaryFolderFailed(path: file.path, reason: "\(error)")
            }
        }
        // A fixture's `postgres.sql`, when it has one, gives columns the PostgreSQL types SQLite has no name for
        // (timestamps, booleans), in the same transaction.
        let types = folder.appendingPathComponent("postgres.sql")
        if FileManager.default.fileExists(atPath: types.path) { files.append(types) }
        let reset = scratchDirectory.appendingPathComponent("\(safeName)-\(id).identities.sql")
        files.append(reset)
        written.append(reset)
        do {
            try Data(PostgresFixtureTranslation.identityResetSQL.utf8).write(to: reset)
        } catch {
            throw .temporaryFolderFailed(path: reset.path, reason: "\(error)")
        }
        let output = try ProcessRunner.run(
            psql,
            arguments(database: database) + ["--single-transaction"] + files.flatMap { ["-f", $0.path] },
            environment: environment,
            workingDirectory: scratchDirectory,
            scratchDirectory: scratchDirectory
        )
        guard output.status == 0 else {
            throw .fixtureLoadFailed(name: name, database: database, standardError: output.combined)
        }
    }
}
