import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL server for tests, the demo and benchmarks: started by the code itself in a temporary folder,
/// reached through a Unix socket in that folder (or loopback TCP), and removed by ``stop()``.
///
/// ``start(listening:)`` finds the server binaries (see ``availability``), makes a new folder `/dev/shm/gbpg-XXXXXX`
/// (in memory; `/tmp/gbpg-XXXXXX` when `/dev/shm` is small or absent), puts a cluster in it (trust authentication,
/// user `postgres`, UTF-8, C locale: `initdb` runs once per process, and each server copies its output), starts the server with `pg_ctl` (durability off: `fsync`,
/// `synchronous_commit` and `full_page_writes`), waits until it accepts connections and creates the database
/// ``database``. When the process runs as root, as CI does, `initdb` and `pg_ctl` run as the `postgres` user
/// (`runuser -u postgres`), which owns the folder; otherwise they run as the current user. Concurrent starts are
/// safe: each server has its own folder, socket and port.
///
/// ``psql(_:in:)``, ``createDatabase(_:)``, ``loadFixture(_:into:fixturesDirectory:)``, ``restart()`` and ``stop()``
/// wait for the tool they run, blocking the calling thread (from a few milliseconds to half a second).
///
/// The server is stopped and its folder removed by ``stop()`` or, failing that, when the last reference goes away,
/// or at the latest when the process exits normally.
///
/// ```swift
/// let server = try await PostgresTestServer.start()
/// defer { try? server.stop() }
/// try server.loadFixture("blog", into: server.database, fixturesDirectory: fixtures)
/// let count = try server.psql("SELECT count(*) FROM posts")  // "12"
/// // postgres-nio: PostgresClient.Configuration(unixSocketPath: server.unixSocketPath,
/// //     username: server.username, password: nil, database: server.database)
/// ```
public final class PostgresTestServer: Sendable {
    /// How the server listens.
    ///
    /// ```swift
    /// let server = try await PostgresTestServer.start(listening: .loopbackTCP)
    /// server.connection.host  // "127.0.0.1"
    /// ```
    public enum Listening: Sendable, Equatable {
        /// Only the Unix socket in ``PostgresTestServer/socketDirectory`` (`listen_addresses=''`).
        case unixSocket
        /// The Unix socket and TCP on `127.0.0.1`, on a port that was free when the server started.
        case loopbackTCP
    }

    /// The server's temporary folder, which holds the Unix socket, the cluster (`data/`) and the log (`server.log`).
    /// ``stop()`` removes it.
    public let socketDirectory: String
    /// The port: the TCP port with ``Listening/loopbackTCP``, and in every mode the number in the socket file's name.
    public let port: Int
    /// The superuser role, which needs no password: `postgres`.
    public let username = "postgres"
    /// The database created at start, `gbatchy`.
    public let database = "gbatchy"
    /// How the server listens.
    public let listening: Listening

    /// The binaries that run the server.
    let binaries: PostgresBinaries
    /// `runuser -u postgres --` when running as root, else nothing.
    let runAs: [String]
    /// Runs `psql` through the Unix socket.
    let runner: PsqlRunner
    /// Set once the server is stopped.
    let stopped = ServerLock(false)

    /// The Unix socket file, `<socketDirectory>/.s.PGSQL.<port>`: what
    /// `PostgresClient.Configuration(unixSocketPath:username:password:database:)` takes.
    ///
    /// ```swift
    /// let path = server.unixSocketPath  // "/dev/shm/gbpg-x1y2z3/.s.PGSQL.43017"
    /// ```
    public var unixSocketPath: String { "\(socketDirectory)/.s.PGSQL.\(port)" }

    /// How to connect to ``database``: through the Unix socket, or `127.0.0.1` with ``Listening/loopbackTCP``.
    ///
    /// ```swift
    /// let chinook = server.connection.with(database: "chinook")
    /// ```
    public var connection: PostgresConnectionInfo {
        PostgresConnectionInfo(
            host: listening == .loopbackTCP ? "127.0.0.1" : socketDirectory,
            port: port,
            username: username,
            database: database
        )
    }

    /// ``connection`` as a libpq URL, such as `postgresql://postgres@/gbatchy?host=/dev/shm/gbpg-x1y2z3&port=43017`.
    ///
    /// ```swift
    /// print("psql '\(server.url)'")
    /// ```
    public var url: String { connection.url }

    /// The server log file.
    var logPath: String { socketDirectory + "/server.log" }
    /// The cluster folder.
    var dataDirectory: String { socketDirectory + "/data" }

    private init(
        socketDirectory: String,
        port: Int,
        listening: Listening,
        binaries: PostgresBinaries,
        runAs: [String],
        psql: String
    ) {
        self.socketDirectory = socketDirectory
        self.port = port
        self.listening = listening
        self.binaries = binaries
        self.runAs = runAs
        self.runner = PsqlRunner(
            psql: psql,
            connection: PostgresConnectionInfo(
                host: socketDirectory,
                port: port,
                username: "postgres",
                database: "gbatchy"
            ),
            scratchDirectory: URL(fileURLWithPath: socketDirectory, isDirectory: true)
        )
    }

    deinit {
        let wasStopped = stopped.withLock { $0 }
        if !wasStopped { try? stopNow() }
    }

    // MARK: - Availability

    /// Whether servers can be started here, and so whether PostgreSQL tests run, skip or fail (see
    /// ``PostgresTestAvailability``). Reads `GBATCHY_POSTGRES_BIN` and `GBATCHY_REQUIRE_POSTGRES`.
    ///
    /// ```swift
    /// let availability = PostgresTestServer.availability
    /// if !availability.runsTests { print(availability) }  // the reason the suite skips
    /// // In a trait: .enabled(if: availability.runsTests, Comment(rawValue: availability.description))
    /// ```
    public static var availability: PostgresTestAvailability {
        PostgresTestAvailability.forServers(environment: ProcessInfo.processInfo.environment)
    }

    /// Whether PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`) were found: in `GBATCHY_POSTGRES_BIN`, the
    /// newest `/usr/lib/postgresql/<version>/bin`, or `pg_config --bindir`.
    ///
    /// ```swift
    /// if PostgresTestServer.binariesAvailable { print("can start servers") }
    /// ```
    public static var binariesAvailable: Bool {
        if case .success = PostgresBinaries.find(environment: ProcessInfo.processInfo.environment) { return true }
        return false
    }

    // MARK: - Start

    /// Starts a new server in a new temporary folder, with an empty database ``database``.
    ///
    /// Takes about 0.3 s (0.8 s for the first server of the process, which runs `initdb`), on a background thread, not
    /// on the caller's. Not cancellable.
    ///
    /// ```swift
    /// let server = try await PostgresTestServer.start()
    /// ```
    ///
    /// - Parameter listening: socket only (the default) or also loopback TCP.
    /// - Throws: ``PostgresTestServerError`` naming the step that failed, with the tool's output or the log's tail.
    public static func start(listening: Listening = .unixSocket) async throws(PostgresTestServerError)
        -> PostgresTestServer
    {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<PostgresTestServer, PostgresTestServerError>, Never>) in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Result { () throws(PostgresTestServerError) in try startNow(listening: listening) }
                )
            }
        }
        return try result.get()
    }

    /// How many ports a start tries before giving up (another process may take a port between choice and bind).
    static let portAttempts = 5
    /// Counts starts in this process, so that concurrent starts choose different ports.
    static let startCount = ServerLock(0)

    /// ``start(listening:)``'s work, blocking the calling thread.
    static func startNow(listening: Listening) throws(PostgresTestServerError) -> PostgresTestServer {
        let binaries = try PostgresBinaries.find(environment: ProcessInfo.processInfo.environment).get()
        guard let psql = binaries.psql else { throw .psqlNotFound }
        let owner = try serverUser()
        let folder = try makeFolder(owner: owner?.ids)
        let runAs = owner.map { [$0.runuser, "-u", "postgres", "--"] } ?? []
        do throws(PostgresTestServerError) {
            try copyTemplateCluster(to: folder + "/data", binaries: binaries, runAs: runAs, owner: owner?.ids)
            var attempt = 0
            while true {
                attempt += 1
                let port = try choosePort(listening: listening)
                let server = PostgresTestServer(
                    socketDirectory: folder,
                    port: port,
                    listening: listening,
                    binaries: binaries,
                    runAs: runAs,
                    psql: psql
                )
                do throws(PostgresTestServerError) {
                    try server.pgCtlStart()
                } catch {
                    server.stopped.withLock { $0 = true }  // nothing runs: the folder is removed below
                    let tail = server.logTail()
                    let portTaken =
                        tail.contains("could not bind") || tail.contains("already in use")
                        || tail.contains("lock file")
                    if portTaken && attempt < portAttempts { continue }
                    throw error
                }
                do throws(PostgresTestServerError) {
                    try server.runner.createDatabase(server.database)
                } catch {
                    try? server.stop()
                    throw error
                }
                let stopCommand = runAs + [binaries.pgCtl, "-D", server.dataDirectory, "-m", "immediate", "-s", "stop"]
                running.withLock { $0[folder] = stopCommand }
                _ = exitHandler
                return server
            }
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// The `initdb` output of this process, one per binaries folder (`initdb` runs once; each server copies it).
    static let templates = ServerLock<[String: String]>([:])

    /// Puts a new cluster at `destination`: a copy (`cp -a`, owner and modes kept) of this process's template, made by
    /// `initdb` on first use. Copying takes a tenth of `initdb`'s time. The templates are removed when the process
    /// exits normally (``cleanUpAtExit()``).
    private static func copyTemplateCluster(
        to destination: String,
        binaries: PostgresBinaries,
        runAs: [String],
        owner: (uid: uid_t, gid: gid_t)?
    ) throws(PostgresTestServerError) {
        let template = try templates.withLock { (cache) throws(PostgresTestServerError) -> String in
            if let path = cache[binaries.directory], FileManager.default.fileExists(atPath: path + "/PG_VERSION") {
                return path
            }
            let folder = try makeFolder(owner: owner)
            let data = folder + "/data"
            let command = runAs + [binaries.initdb]
            let initdb = try ProcessRunner.run(
                command[0],
                Array(command.dropFirst()) + [
                    "-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync",
                ],
                workingDirectory: URL(fileURLWithPath: folder),
                scratchDirectory: URL(fileURLWithPath: folder)
            )
            guard initdb.status == 0 else {
                try? FileManager.default.removeItem(atPath: folder)
                throw .initdbFailed(output: initdb.combined)
            }
            _ = exitHandler
            cache[binaries.directory] = data
            return data
        }
        guard let cp = ProcessRunner.which("cp") else {
            throw .processFailed(command: "cp", reason: "cp is not on PATH")
        }
        let folder = URL(fileURLWithPath: (destination as NSString).deletingLastPathComponent)
        let copy = try ProcessRunner.run(
            cp,
            ["-a", template, destination],
            workingDirectory: folder,
            scratchDirectory: folder
        )
        guard copy.status == 0 else {
            throw .initdbFailed(output: "copying the initdb template \(template) failed: \(copy.combined)")
        }
    }

    /// The servers of this process that are not stopped: folder → the `pg_ctl stop` command line, for the exit
    /// handler.
    static let running = ServerLock<[String: [String]]>([:])

    /// Registers ``cleanUpAtExit()`` with `atexit`, once.
    static let exitHandler: Void = {
        atexit { PostgresTestServer.cleanUpAtExit() }
    }()

    /// At a normal exit: stops the servers nobody stopped (a test that timed out, a leaked reference) and removes
    /// their folders and the `initdb` templates, so that no server outlives the process that started it.
    static func cleanUpAtExit() {
        let servers = running.withLock { servers in
            defer { servers = [:] }
            return servers
        }
        for (folder, command) in servers {
            guard let executable = command.first else { continue }
            let url = URL(fileURLWithPath: folder, isDirectory: true)
            _ = try? ProcessRunner.run(
                executable,
                Array(command.dropFirst()),
                workingDirectory: url,
                scratchDirectory: url
            )
            try? FileManager.default.removeItem(atPath: folder)
        }
        let templateFolders = templates.withLock { cache in
            defer { cache = [:] }
            return cache.values.map { ($0 as NSString).deletingLastPathComponent }
        }
        for folder in templateFolders { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// When running as root: the `postgres` user's ids and `runuser`; `nil` when not root.
    private static func serverUser() throws(PostgresTestServerError) -> (
        ids: (uid: uid_t, gid: gid_t), runuser: String
    )? {
        guard ProcessRunner.isRoot else { return nil }
        guard let entry = getpwnam("postgres") else {
            throw .cannotRunAsRoot(
                "initdb refuses to run as root and there is no postgres user (the Debian package postgresql creates it)"
            )
        }
        guard let runuser = ProcessRunner.which("runuser") else {
            throw .cannotRunAsRoot("initdb refuses to run as root and runuser (util-linux) is not installed")
        }
        return ((entry.pointee.pw_uid, entry.pointee.pw_gid), runuser)
    }

    /// Where server folders go: `/dev/shm` (memory) when it has at least ``memoryFolderMinimumFree`` bytes free,
    /// else `/tmp`. In memory, `initdb` takes about a third of the time it takes on disk (0.5 s rather than 1.5 s
    /// here); the size check keeps servers out of a container's small default `/dev/shm` (64 MB).
    static var parentFolder: String {
        let memory = "/dev/shm"
        guard FileManager.default.isWritableFile(atPath: memory),
            let attributes = try? FileManager.default.attributesOfFileSystem(forPath: memory),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
            free >= memoryFolderMinimumFree
        else { return "/tmp" }
        return memory
    }

    /// The free space `/dev/shm` needs to hold server folders: 1 GiB (a cluster with Chinook takes about 60 MB).
    static let memoryFolderMinimumFree: Int64 = 1 << 30

    /// Creates `<parentFolder>/gbpg-XXXXXX` (a short path: a Unix socket path is limited to about 107 bytes), readable
    /// by all, owned by `owner` when given.
    private static func makeFolder(owner: (uid: uid_t, gid: gid_t)?) throws(PostgresTestServerError) -> String {
        var template = Array("\(parentFolder)/gbpg-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        let path = template.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard created else {
            throw .temporaryFolderFailed(path: path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        if chmod(path, 0o755) != 0 { failure = "chmod: " + String(cString: strerror(errno)) }
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            failure = "chown to postgres: " + String(cString: strerror(errno))
        }
        if let failure {
            try? FileManager.default.removeItem(atPath: path)
            throw .temporaryFolderFailed(path: path, reason: failure)
        }
        return path
    }

    /// A port for the next start: a free loopback port for TCP; for a socket, one derived from the process id and a
    /// counter (only the socket file's name depends on it, and each server has its own folder).
    private static func choosePort(listening: Listening) throws(PostgresTestServerError) -> Int {
        let count = startCount.withLock { count in
            count += 1
            return count
        }
        switch listening {
        case .unixSocket:
            return 20000 + Int(getpid() % 1000) * 40 + count % 40
        case .loopbackTCP:
            return try freeLoopbackPort()
        }
    }

    /// A TCP port on `127.0.0.1` that is free now (bound to port 0, read back, released).
    private static func freeLoopbackPort() throws(PostgresTestServerError) -> Int {
        #if os(Linux)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw .processFailed(command: "socket()", reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 ? getsockname(descriptor, address, &length) : -1
            }
        }
        guard status == 0 else {
            throw .processFailed(command: "bind(127.0.0.1:0)", reason: String(cString: strerror(errno)))
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: - pg_ctl

    /// Runs `pg_ctl <arguments>` as the server's user.
    private func pgCtl(_ arguments: [String]) throws(PostgresTestServerError) -> ProcessOutput {
        let folder = URL(fileURLWithPath: socketDirectory, isDirectory: true)
        let command = runAs.isEmpty ? [binaries.pgCtl] : runAs + [binaries.pgCtl]
        return try ProcessRunner.run(
            command[0],
            Array(command.dropFirst()) + ["-D", dataDirectory] + arguments,
            workingDirectory: folder,
            scratchDirectory: folder
        )
    }

    /// The server options: socket folder, listen addresses, port, durability off.
    private var serverOptions: String {
        let addresses = listening == .loopbackTCP ? "127.0.0.1" : "''"
        return "-k \(socketDirectory) -c listen_addresses=\(addresses) -p \(port) -c fsync=off"
            + " -c synchronous_commit=off -c full_page_writes=off"
    }

    private func pgCtlStart() throws(PostgresTestServerError) {
        let output = try pgCtl(["-l", logPath, "-w", "-t", "30", "-s", "-o", serverOptions, "start"])
        guard output.status == 0 else {
            throw .startFailed(port: port, output: output.combined, logTail: logTail())
        }
    }

    /// The last lines of the server log, for error messages.
    func logTail(lines: Int = 20) -> String {
        guard let log = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no server log)" }
        return log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private func ensureRunning() throws(PostgresTestServerError) {
        if stopped.withLock({ $0 }) { throw .serverStopped(socketDirectory: socketDirectory) }
    }

    // MARK: - Stop and restart

    /// Stops the server at once (`pg_ctl stop -m immediate`: the data is thrown away anyway) and removes its folder.
    ///
    /// Calling it again, or from several tasks at once, stops it once; the other calls do nothing.
    ///
    /// ```swift
    /// try server.stop()
    /// FileManager.default.fileExists(atPath: server.socketDirectory)  // false
    /// ```
    ///
    /// - Throws: ``PostgresTestServerError/stopFailed(output:)`` when the server still runs (the folder stays).
    public func stop() throws(PostgresTestServerError) {
        let wasStopped = stopped.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        if wasStopped { return }
        do {
            try stopNow()
        } catch {
            stopped.withLock { $0 = false }
            throw error
        }
    }

    private func stopNow() throws(PostgresTestServerError) {
        let output = try pgCtl(["-m", "immediate", "-w", "-t", "30", "-s", "stop"])
        if output.status != 0, postmasterIsRunning {
            throw .stopFailed(output: output.combined)
        }
        Self.running.withLock { $0[socketDirectory] = nil }
        do {
            try FileManager.default.removeItem(atPath: socketDirectory)
        } catch {
            throw .temporaryFolderFailed(path: socketDirectory, reason: "cannot remove it: \(error)")
        }
    }

    /// Whether the process named in `data/postmaster.pid` exists (a server killed with `SIGKILL` leaves the file).
    private var postmasterIsRunning: Bool {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let line = text.split(separator: "\n").first,
            let pid = pid_t(line.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Restarts the server (`pg_ctl restart -m fast`) with the same folder, socket, port and data, and waits until it
    /// accepts connections again. Open connections are closed by the server, as in a real restart.
    ///
    /// ```swift
    /// try server.restart()
    /// try server.psql("SELECT 1")  // "1"
    /// ```
    ///
    /// - Throws: ``PostgresTestServerError/restartFailed(output:logTail:)``, or
    ///   ``PostgresTestServerError/serverStopped(socketDirectory:)`` after ``stop()``.
    public func restart() throws(PostgresTestServerError) {
        try ensureRunning()
        let output = try pgCtl(["-l", logPath, "-m", "fast", "-w", "-t", "30", "-s", "restart"])
        guard output.status == 0 else {
            throw .restartFailed(output: output.combined, logTail: logTail())
        }
    }

    // MARK: - psql

    /// Runs `sql` with `psql` (`-X -q -v ON_ERROR_STOP=1 -At`, the statements on standard input) and returns its
    /// standard output without the final newline: one line per row, columns separated by `|`.
    ///
    /// ```swift
    /// try server.psql("SELECT 1")  // "1"
    /// try server.psql("SELECT id, name FROM tags ORDER BY id LIMIT 2", in: "blog")  // "1|history\n2|theory"
    /// ```
    ///
    /// - Parameters:
    ///   - sql: one or more statements; the first error stops them.
    ///   - database: the database, ``database`` when `nil`.
    /// - Throws: ``PostgresTestServerError/psqlFailed(database:standardError:)`` with `psql`'s error.
    @discardableResult
    public func psql(_ sql: String, in database: String? = nil) throws(PostgresTestServerError) -> String {
        try ensureRunning()
        return try runner.run(sql, database: database ?? self.database)
    }

    /// Creates an empty database (`CREATE DATABASE`), for instance one per fixture or per test.
    ///
    /// ```swift
    /// try server.createDatabase("chinook")
    /// ```
    ///
    /// - Throws: ``PostgresTestServerError/psqlFailed(database:standardError:)`` (for example when it exists).
    public func createDatabase(_ name: String) throws(PostgresTestServerError) {
        try ensureRunning()
        try runner.createDatabase(name)
    }

    /// Loads the fixture `Fixtures/<name>/` (`schema.sql`, then `data.sql`) into `database`, translated by
    /// ``PostgresFixtureTranslation``, in one transaction: a failed load leaves nothing. Ids continue after the loaded
    /// rows, as in SQLite.
    ///
    /// ```swift
    /// try server.createDatabase("chinook")
    /// try server.loadFixture("chinook", into: "chinook", fixturesDirectory: fixtures)
    /// try server.psql("SELECT count(*) FROM tracks", in: "chinook")  // "3503"
    /// ```
    ///
    /// - Parameters:
    ///   - name: the fixture's folder name, such as `blog` or `chinook`.
    ///   - database: an existing database, such as ``database``.
    ///   - fixturesDirectory: the repository's `Fixtures` folder.
    /// - Throws: ``PostgresTestServerError/fixtureNotFound(name:path:)`` or
    ///   ``PostgresTestServerError/fixtureLoadFailed(name:database:standardError:)`` (the file and line in `psql`'s
    ///   error).
    public func loadFixture(_ name: String, into database: String, fixturesDirectory: URL)
        throws(PostgresTestServerError)
    {
        try ensureRunning()
        try runner.loadFixture(name, into: database, fixturesDirectory: fixturesDirectory)
    }
}
