/// Whether PostgreSQL tests can run here, and what a test suite should do about it: run, skip, or run and fail.
///
/// The one rule every PostgreSQL suite follows: with server binaries (or `GBATCHY_POSTGRES_URL`, for
/// ``PostgresTestEndpoint``) the tests run; without them they are skipped with the reason, unless
/// `GBATCHY_REQUIRE_POSTGRES=1` (set by CI), in which case they run, so that starting the server fails the test with
/// ``PostgresTestServerError/binariesNotFound(_:)``.
///
/// ```swift
/// extension Trait where Self == ConditionTrait {
///     static var whenPostgresServersCanStart: Self {
///         let availability = PostgresTestServer.availability
///         return .enabled(if: availability.runsTests, Comment(rawValue: availability.description))
///     }
/// }
/// @Suite("Postgres loaders", .timeLimit(.minutes(1)), .whenPostgresServersCanStart)
/// struct PostgresLoaderTests { … }
/// ```
public enum PostgresTestAvailability: Sendable, Equatable, CustomStringConvertible {
    /// The server binaries are in this folder: tests start servers.
    case binaries(directory: String)
    /// `GBATCHY_POSTGRES_URL` names a server: tests use it instead of starting one (``PostgresTestEndpoint`` only).
    case external(url: String)
    /// No binaries and PostgreSQL is not required: tests are skipped, for this reason.
    case missing(reason: String)
    /// No binaries but `GBATCHY_REQUIRE_POSTGRES=1`: tests run, and fail when they try to start a server.
    case missingButRequired(reason: String)

    /// Whether the tests run (everything but ``missing(reason:)``); pass it to `.enabled(if:)`.
    ///
    /// ```swift
    /// guard PostgresTestServer.availability.runsTests else { return }
    /// ```
    public var runsTests: Bool {
        if case .missing = self { return false }
        return true
    }

    /// A sentence for the test log: where the binaries are, which server is used, or why the tests skip or fail.
    ///
    /// ```swift
    /// print(PostgresTestServer.availability)  // "PostgreSQL tests skipped: no PostgreSQL server binaries …"
    /// ```
    public var description: String {
        switch self {
        case .binaries(let directory):
            return "PostgreSQL tests start servers with the binaries in \(directory)"
        case .external(let url):
            return "PostgreSQL tests use the server of GBATCHY_POSTGRES_URL (\(url))"
        case .missing(let reason):
            return "PostgreSQL tests skipped (set GBATCHY_REQUIRE_POSTGRES=1 to fail instead): \(reason)"
        case .missingButRequired(let reason):
            return "PostgreSQL tests FAIL: GBATCHY_REQUIRE_POSTGRES=1 but \(reason)"
        }
    }

    /// The decision for starting servers, from an environment (`GBATCHY_POSTGRES_BIN`, `GBATCHY_REQUIRE_POSTGRES`).
    static func forServers(environment: [String: String]) -> PostgresTestAvailability {
        switch PostgresBinaries.find(environment: environment) {
        case .success(let binaries):
            return .binaries(directory: binaries.directory)
        case .failure(let error):
            let reason = "\(error)"
            return environment["GBATCHY_REQUIRE_POSTGRES"] == "1"
                ? .missingButRequired(reason: reason) : .missing(reason: reason)
        }
    }

    /// The decision for ``PostgresTestEndpoint``: `GBATCHY_POSTGRES_URL` first, else as for servers.
    static func forEndpoints(environment: [String: String]) -> PostgresTestAvailability {
        if let url = environment["GBATCHY_POSTGRES_URL"], !url.isEmpty { return .external(url: url) }
        return forServers(environment: environment)
    }
}
