import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished process printed and how it ended.
struct ProcessOutput: Sendable {
    /// The exit status (or the signal number when it was killed by one).
    let status: Int32
    /// Everything it wrote on standard output, decoded as UTF-8.
    let standardOutput: String
    /// Everything it wrote on standard error, decoded as UTF-8.
    let standardError: String

    /// Standard output and standard error, for an error message.
    var combined: String {
        [standardOutput, standardError].filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

/// Runs command-line tools to completion.
///
/// It spawns with `posix_spawn` and waits with `waitpid`, rather than with Foundation's `Process`: on Linux, `Process`
/// learns that a child ended when a socket the child inherited is closed, and `pg_ctl start` leaves the server running
/// with every descriptor it inherited, so `Process` would wait forever. Here the child gets only standard input,
/// output and error (every other descriptor is closed in it, so a server never holds this process's files or sockets
/// open), and output goes to temporary files, never pipes.
enum ProcessRunner {
    /// Runs `executable` with `arguments` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - standardInput: a file fed to the process's standard input (`/dev/null` when `nil`).
    ///   - environment: variables added to (or replacing) this process's environment.
    ///   - workingDirectory: the child's current folder.
    ///   - scratchDirectory: where the output files are written (and removed afterwards).
    static func run(
        _ executable: String,
        _ arguments: [String],
        standardInput: URL? = nil,
        environment: [String: String] = [:],
        workingDirectory: URL,
        scratchDirectory: URL
    ) throws(PostgresTestServerError) -> ProcessOutput {
        let command = describe(executable, arguments)
        let id = UUID().uuidString
        let outPath = scratchDirectory.appendingPathComponent("out-\(id)").path
        let errPath = scratchDirectory.appendingPathComponent("err-\(id)").path
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }

        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        let write = O_WRONLY | O_CREAT | O_TRUNC
        posix_spawn_file_actions_addopen(&actions, 0, standardInput?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, write, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, write, 0o644)
        #if canImport(Darwin)
            posix_spawn_file_actions_addchdir_np(&actions, workingDirectory.path)
        #else
            if let addChdir = GlibcSpawnExtensions.addChdir {
                _ = workingDirectory.path.withCString { addChdir(&actions, $0) }
            }
        #endif
        // Default signal handling and no blocked signal in the child (ignored signals would be inherited).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        #if canImport(Darwin)
            posix_spawnattr_setflags(
                &attributes,
                Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_CLOEXEC_DEFAULT)
            )
        #else
            if let addClosefrom = GlibcSpawnExtensions.addClosefrom {
                _ = addClosefrom(&actions, 3)
            } else {
                for descriptor in openDescriptors() where descriptor > 2 {
                    posix_spawn_file_actions_addclose(&actions, descriptor)
                }
            }
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        #endif

        let variables = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw .processFailed(command: command, reason: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                throw .processFailed(command: command, reason: "waitpid: " + String(cString: strerror(errno)))
            }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import: a signal shows as 128 + its number, as in a shell.
        let signal = status & 0x7f
        let exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return ProcessOutput(
            status: exitStatus,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        )
    }

    /// The command line as a shell would show it, for error messages.
    static func describe(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    /// The first executable named `name` in `PATH` (plus the `sbin` folders, where `runuser` lives).
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for folder in folders where !folder.isEmpty {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether this process runs as root (then PostgreSQL's server binaries must run as another user).
    static var isRoot: Bool { geteuid() == 0 }

    #if !canImport(Darwin)
        /// This process's open descriptors (from `/proc/self/fd`), for a glibc older than 2.34.
        private static func openDescriptors() -> [Int32] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return names.compactMap { Int32($0) }
        }
    #endif
}

#if !canImport(Darwin)
    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29) and `posix_spawn_file_actions_addclosefrom_np` (2.34),
    /// which Swift's Glibc module does not import (they need `_GNU_SOURCE`): looked up at run time, `nil` when absent.
    private enum GlibcSpawnExtensions {
        typealias AddChdir =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
            -> Int32
        typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

        static let addChdir: AddChdir? = {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return nil }
            return unsafeBitCast(symbol, to: AddChdir.self)
        }()

        static let addClosefrom: AddClosefrom? = {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(symbol, to: AddClosefrom.self)
        }()
    }
#endif
