import Foundation

/// Where a PostgreSQL server listens and whom to connect as: what a client (postgres-nio's
/// `PostgresClient.Configuration`, `psql`) needs.
///
/// Like libpq, ``host`` is either a host name or address (TCP) or, when it starts with `/`, the folder of the server's
/// Unix socket; then ``unixSocketPath`` is the socket file itself.
///
/// ```swift
/// let info = try PostgresConnectionInfo(url: "postgres:///gbatchy?host=/tmp/gbpg-x1y2z3&port=54321")
/// info.unixSocketPath  // "/tmp/gbpg-x1y2z3/.s.PGSQL.54321"
/// // With postgres-nio:
/// // let configuration = info.unixSocketPath.map {
/// //     PostgresClient.Configuration(unixSocketPath: $0, username: info.username, password: info.password,
/// //                                  database: info.database)
/// // } ?? PostgresClient.Configuration(host: info.host, port: info.port, username: info.username,
/// //                                   password: info.password, database: info.database, tls: .disable)
/// ```
public struct PostgresConnectionInfo: Sendable, Equatable, CustomStringConvertible {
    /// A host name or address for TCP, or the folder of the Unix socket when it starts with `/`.
    public var host: String
    /// The port: for TCP, the one to connect to; for a Unix socket, the number in the socket file's name.
    public var port: Int
    /// The role to connect as.
    public var username: String
    /// The password, `nil` when the server trusts the connection (a ``PostgresTestServer`` always does).
    public var password: String?
    /// The database to connect to.
    public var database: String

    /// Describes a server by its parts.
    ///
    /// ```swift
    /// let info = PostgresConnectionInfo(host: "127.0.0.1", port: 5432, username: "postgres", database: "app")
    /// ```
    public init(host: String, port: Int, username: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Whether the server is reached through a Unix socket (``host`` is a folder).
    ///
    /// ```swift
    /// if info.usesUnixSocket { print(info.unixSocketPath ?? "") }
    /// ```
    public var usesUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket file, `<host>/.s.PGSQL.<port>`, when ``host`` is a folder; `nil` for TCP.
    ///
    /// This is what `PostgresClient.Configuration(unixSocketPath:username:password:database:)` takes.
    ///
    /// ```swift
    /// let path = info.unixSocketPath  // "/tmp/gbpg-x1y2z3/.s.PGSQL.54321"
    /// ```
    public var unixSocketPath: String? {
        usesUnixSocket ? "\(host)/.s.PGSQL.\(port)" : nil
    }

    /// The same server and role, another database.
    ///
    /// ```swift
    /// let chinook = server.connection.with(database: "chinook")
    /// ```
    public func with(database: String) -> PostgresConnectionInfo {
        var copy = self
        copy.database = database
        return copy
    }

    /// A libpq connection URI for this server, which ``init(url:)`` reads back to an equal value.
    ///
    /// A Unix socket gives `postgresql://user@/database?host=/socket/folder&port=5432`, TCP gives
    /// `postgresql://user:password@host:5432/database`. `psql "<url>"` accepts both.
    ///
    /// ```swift
    /// print(server.connection.url)  // postgresql://postgres@/gbatchy?host=/tmp/gbpg-x1y2z3&port=54321
    /// ```
    public var url: String {
        var credentials = Self.encode(username, .urlUserAllowed)
        if let password { credentials += ":" + Self.encode(password, .urlPasswordAllowed) }
        let database = Self.encode(self.database, .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
        if usesUnixSocket {
            let folder = Self.encode(host, .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+")))
            return "postgresql://\(credentials)@/\(database)?host=\(folder)&port=\(port)"
        }
        let address = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(credentials)@\(address):\(port)/\(database)"
    }

    /// The ``url``.
    public var description: String { url }

    /// Reads a `postgres://` or `postgresql://` URL.
    ///
    /// Accepted forms: `postgres://user:password@host:port/database` (TCP; an IPv6 address in brackets) and
    /// `postgres:///database?host=/socket/folder&port=5432` (Unix socket; a percent-encoded folder as the host,
    /// `postgres://%2Ftmp%2Fpg/database`, works too). The query parameters `host`, `port`, `user`, `password` and
    /// `dbname` override the URL's parts, as in libpq; other parameters (such as `sslmode`) are ignored. Defaults:
    /// port 5432, user `postgres`, database the user's name. A URL without any host is rejected rather than guessed.
    ///
    /// ```swift
    /// let info = try PostgresConnectionInfo(url: "postgres://app:secret@127.0.0.1:5433/app_test")
    /// info.port  // 5433
    /// ```
    ///
    /// - Throws: ``PostgresTestServerError/invalidURL(_:reason:)`` naming what is wrong.
    public init(url: String) throws(PostgresTestServerError) {
        guard let components = URLComponents(string: url) else {
            throw .invalidURL(url, reason: "not a URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw .invalidURL(url, reason: "the scheme must be postgres:// or postgresql://")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            query[item.name] = item.value ?? ""
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let queryHost = query["host"] { host = queryHost }
        guard !host.isEmpty else {
            throw .invalidURL(url, reason: "no host: give host:port, or ?host=/socket/folder for a Unix socket")
        }
        var port = 5432
        if let portText = query["port"] {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidURL(url, reason: "port \(portText) is not a number from 1 to 65535")
            }
            port = value
        } else if let value = components.port {
            guard (1...65535).contains(value) else {
                throw .invalidURL(url, reason: "port \(value) is not a number from 1 to 65535")
            }
            port = value
        }
        let username = query["user"] ?? components.user ?? "postgres"
        guard !username.isEmpty else { throw .invalidURL(url, reason: "the user name is empty") }
        let password = query["password"] ?? components.password
        var database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if let name = query["dbname"] { database = name }
        if database.isEmpty { database = username }
        self.init(host: host, port: port, username: username, password: password, database: database)
    }

    private static func encode(_ text: String, _ allowed: CharacterSet) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
