/// An error from ``PostgresTestServer``, ``PostgresTestEndpoint`` or ``PostgresConnectionInfo``: what failed, with
/// the tool's own output.
///
/// Every case carries enough text to diagnose the failure from a test log alone: the searched folders, `initdb`'s
/// output, the tail of the server log, or `psql`'s standard error (which names the file and line).
///
/// ```swift
/// do {
///     let server = try await PostgresTestServer.start()
///     try server.loadFixture("blog", into: server.database, fixturesDirectory: fixtures)
/// } catch let error as PostgresTestServerError {
///     print(error)  // e.g. "loading fixture blog into database gbatchy failed: psql:/tmp/…/blog.data.sql:12: ERROR: …"
/// }
/// ```
public enum PostgresTestServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No folder holds PostgreSQL's server binaries; the text lists every place searched.
    case binariesNotFound(String)
    /// `psql` is neither beside the server binaries nor on `PATH`.
    case psqlNotFound
    /// The process runs as root, but the server cannot: there is no `postgres` user (or no `runuser`) to run it as.
    case cannotRunAsRoot(String)
    /// A tool could not be launched at all (the command line and the reason).
    case processFailed(command: String, reason: String)
    /// The temporary folder could not be created or prepared (its path and the reason).
    case temporaryFolderFailed(path: String, reason: String)
    /// `initdb` failed; its output.
    case initdbFailed(output: String)
    /// The server did not start on `port`; `pg_ctl`'s output and the tail of the server log.
    case startFailed(port: Int, output: String, logTail: String)
    /// `pg_ctl restart` failed; its output and the tail of the server log.
    case restartFailed(output: String, logTail: String)
    /// `pg_ctl stop` failed and the server still runs; its output. The folder is left in place.
    case stopFailed(output: String)
    /// The server was stopped; it cannot run statements or restart.
    case serverStopped(socketDirectory: String)
    /// `psql` failed against `database`; its standard error.
    case psqlFailed(database: String, standardError: String)
    /// `Fixtures/<name>/<file>` does not exist or cannot be read.
    case fixtureNotFound(name: String, path: String)
    /// Loading fixture `name` into `database` failed (and left nothing); `psql`'s standard error names the file and
    /// line.
    case fixtureLoadFailed(name: String, database: String, standardError: String)
    /// A connection URL (such as `GBATCHY_POSTGRES_URL`) cannot be understood; the URL and why.
    case invalidURL(String, reason: String)

    /// A one-line summary followed by the tool's output.
    public var description: String {
        switch self {
        case .binariesNotFound(let searched):
            return "PostgreSQL binaries not found: \(searched)"
        case .psqlNotFound:
            return "psql not found beside the PostgreSQL binaries nor on PATH"
        case .cannotRunAsRoot(let reason):
            return "cannot run the PostgreSQL server as root: \(reason)"
        case .processFailed(let command, let reason):
            return "cannot run \(command): \(reason)"
        case .temporaryFolderFailed(let path, let reason):
            return "cannot prepare the server folder \(path): \(reason)"
        case .initdbFailed(let output):
            return "initdb failed:\n\(output)"
        case .startFailed(let port, let output, let logTail):
            return "the PostgreSQL server did not start on port \(port):\n\(output)\nserver log:\n\(logTail)"
        case .restartFailed(let output, let logTail):
            return "the PostgreSQL server did not restart:\n\(output)\nserver log:\n\(logTail)"
        case .stopFailed(let output):
            return "the PostgreSQL server did not stop:\n\(output)"
        case .serverStopped(let socketDirectory):
            return "the PostgreSQL server in \(socketDirectory) was stopped"
        case .psqlFailed(let database, let standardError):
            return "psql failed on database \(database):\n\(standardError)"
        case .fixtureNotFound(let name, let path):
            return "fixture \(name) has no readable \(path)"
        case .fixtureLoadFailed(let name, let database, let standardError):
            return "loading fixture \(name) into database \(database) failed:\n\(standardError)"
        case .invalidURL(let url, let reason):
            return "invalid PostgreSQL URL \(url): \(reason)"
        }
    }
}
