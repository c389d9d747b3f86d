import Foundation
import GBatchySQL
import Testing

/// Crash consistency: a writer process (`gbatchy-demo crash-writer`, which writes through ``SQLiteSource/write(_:)``)
/// is killed with `SIGKILL` at seeded random moments. After each kill, a copy of the files it left is opened (WAL
/// recovery as after a reboot), and at the end the database itself, which the next writer reopened after each kill
/// (recovery with the shared-memory file left behind). Each time: `PRAGMA integrity_check` says `ok`, every
/// acknowledged transaction is there whole, no transaction is there in part, and nothing once committed disappears.
///
/// `GBATCHY_CRASH_KILLS` sets the kills per seed (20 by default), `GBATCHY_CRASH_SEEDS` the number of seeds (1), and
/// `GBATCHY_CRASH_SEED=N` replays seed N alone. The executable is looked up beside the test bundle, where
/// `swift build` and `swift test` put it; `GBATCHY_CRASH_WRITER` names another path.
@Suite("Crash consistency", .timeLimit(.minutes(5)))
struct CrashConsistencyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds = GBatchySQLTests.seeds(fromEnvironment: "GBATCHY_CRASH", defaultCount: 1)
    static let kills = environment["GBATCHY_CRASH_KILLS"].flatMap(Int.init) ?? 20

    @Test(
        "a writer killed with SIGKILL at random moments loses no acknowledged transaction and leaves none in part",
        arguments: seeds
    )
    func killedWriter(seed: UInt64) async throws {
        let writer = try #require(
            CrashWriterProcess.executable(),
            "no gbatchy-demo beside the test bundle (run `swift build`, or set GBATCHY_CRASH_WRITER)"
        )
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("crash.sqlite").path
            var generator = SplitMix64(seed: seed)
            var acknowledged: Set<Int> = []
            var committed = CommittedState()
            let replay = "replay: GBATCHY_CRASH_SEED=\(seed) GBATCHY_CRASH_KILLS=\(Self.kills)"
            for kill in 1...Self.kills {
                let acknowledgments = Int.random(in: 0...40, using: &generator)
                // Acknowledgment 0 kills during start-up (opening, recovery, the schema), which takes longer.
                let jitter = UInt32.random(in: 0..<(acknowledgments == 0 ? 40_000 : 3_000), using: &generator)
                let run = try await CrashWriterProcess.runAndKill(
                    writer,
                    path: path,
                    afterAcknowledgments: acknowledgments,
                    jitterMicroseconds: jitter
                )
                let moment = "kill \(kill) after \(acknowledgments) acknowledgments + \(jitter) µs (\(replay))"
                #expect(run.wasKilled, "the writer ended on its own, \(moment): \(run.errorOutput)")
                acknowledged.formUnion(run.acknowledged)
                let image = try copyOfFiles(at: path, into: directory, name: "image-\(kill)")
                let state = try await CommittedState.read(image)
                check(state, after: committed, acknowledged: acknowledged, kills: kill, context: moment)
                committed = state
            }
            // The database itself, recovered with the shared-memory index the last writer left behind.
            let final = try await CommittedState.read(path)
            check(final, after: committed, acknowledged: acknowledged, kills: Self.kills, context: replay)
            #expect(final.transactions == committed.transactions)
            // The kills hit a writer at work: most runs acknowledged something.
            #expect(acknowledged.count >= Self.kills, "\(replay)")
        }
    }

    func check(
        _ state: CommittedState,
        after previous: CommittedState,
        acknowledged: Set<Int>,
        kills: Int,
        context: String
    ) {
        #expect(state.problems.isEmpty, "\(context):\n\(state.problems.prefix(10).joined(separator: "\n"))")
        let missing = acknowledged.subtracting(state.transactions.keys)
        #expect(missing.isEmpty, "acknowledged transactions missing, \(context): \(missing.sorted().prefix(10))")
        let lost = Set(previous.transactions.keys).subtracting(state.transactions.keys)
        #expect(lost.isEmpty, "committed transactions that disappeared, \(context): \(lost.sorted().prefix(10))")
        // Each of the writer's two tasks can have committed one transaction it had no time to acknowledge.
        let unacknowledged = Set(state.transactions.keys).subtracting(acknowledged)
        #expect(unacknowledged.count <= 2 * kills, "\(context): \(unacknowledged.count) unacknowledged commits")
    }

    /// Copies the database file and its WAL (not the shared-memory index) as they are, for a separate recovery.
    func copyOfFiles(at path: String, into directory: URL, name: String) throws -> String {
        let copy = directory.appendingPathComponent(name).path
        let files = FileManager.default
        for suffix in ["", "-wal"] where files.fileExists(atPath: path + suffix) {
            try files.copyItem(atPath: path + suffix, toPath: copy + suffix)
        }
        return copy
    }
}

/// What a database holds after a crash, and what is wrong with it.
struct CommittedState {
    /// Each committed transaction's id and number of parts.
    var transactions: [Int: Int] = [:]
    /// Every violation found: integrity, partial transactions, wrong payloads, totals.
    var problems: [String] = []

    struct Part: Decodable {
        var tx: Int
        var part: Int
        var payload: String
    }

    struct Transaction: Decodable {
        var tx: Int
        var parts: Int
    }

    /// Opens the database at `path` (recovering its WAL) and reads everything the writer wrote.
    static func read(_ path: String) async throws -> CommittedState {
        try await withDatabase(at: path, configuration: .init(readerCount: 1)) { db in try await read(db) }
    }

    private static func read(_ db: SQLiteSource) async throws -> CommittedState {
        var state = CommittedState()
        let integrity = try await db.query("PRAGMA integrity_check", as: String.self)
        if integrity != ["ok"] { state.problems.append("integrity_check: \(integrity.prefix(5))") }
        let tables = try await db.query("SELECT name FROM sqlite_schema WHERE type = 'table'", as: String.self)
        guard tables.contains("crash_totals") else {
            // Killed before the schema committed: all of it or none of it.
            if !tables.isEmpty { state.problems.append("a partial schema: \(tables)") }
            return state
        }
        let (transactions, parts, totals, orphans) = try await db.read { conn in
            (
                try conn.query("SELECT tx, parts FROM crash_tx ORDER BY tx", as: Transaction.self),
                try conn.query("SELECT tx, part, payload FROM crash_rows ORDER BY tx, part", as: Part.self),
                try conn.query("SELECT rows FROM crash_totals", as: Int.self),
                try conn.query("PRAGMA foreign_key_check", as: SQLiteSourceRow.self).count
            )
        }
        for transaction in transactions { state.transactions[transaction.tx] = transaction.parts }
        if transactions.map(\.tx) != Array(1..<transactions.count + 1) {
            state.problems.append("transaction ids are not 1…\(transactions.count)")
        }
        var partsByTransaction: [Int: [Int]] = [:]
        for part in parts {
            partsByTransaction[part.tx, default: []].append(part.part)
            let tag = "\(part.tx).\(part.part);"
            let whole =
                !part.payload.isEmpty && part.payload.utf8.count % tag.utf8.count == 0
                && part.payload == String(repeating: tag, count: part.payload.utf8.count / tag.utf8.count)
            if !whole { state.problems.append("tx \(part.tx) part \(part.part): a damaged payload") }
        }
        for (tx, found) in partsByTransaction where found != Array(0..<(state.transactions[tx] ?? 0)) {
            state.problems.append("tx \(tx) is there in part: parts \(found) of \(state.transactions[tx] ?? 0)")
        }
        for (tx, count) in state.transactions where partsByTransaction[tx] == nil {
            state.problems.append("tx \(tx) is there in part: none of its \(count) parts")
        }
        if totals != [parts.count] {
            state.problems.append("crash_totals says \(totals), crash_rows has \(parts.count)")
        }
        if orphans != 0 { state.problems.append("\(orphans) foreign key violations") }
        return state
    }
}

/// Runs `gbatchy-demo crash-writer` and kills it.
enum CrashWriterProcess {
    struct Run: Sendable {
        /// The transaction ids the writer acknowledged before it died.
        var acknowledged: [Int]
        /// Whether `SIGKILL` ended it (and not an exit or another signal).
        var wasKilled: Bool
        /// What it wrote on standard error.
        var errorOutput: String
    }

    /// The `gbatchy-demo` executable beside the test bundle (or at `GBATCHY_CRASH_WRITER`), or `nil`.
    static func executable() -> URL? {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["GBATCHY_CRASH_WRITER"] {
            candidates.append(URL(fileURLWithPath: path))
        }
        // Linux: the test process is the `.xctest` executable in the build directory, beside the products.
        let process = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(process.deletingLastPathComponent().appendingPathComponent("gbatchy-demo"))
        #if os(macOS)
            // macOS: the `.xctest` bundle lies in the build directory; the process is Xcode's runner. (Not on Linux:
            // `Bundle.allBundles` leaks CoreFoundation arrays there, which LeakSanitizer reports.)
            for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
                candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("gbatchy-demo"))
            }
        #endif
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts the writer on `path`, kills it with `SIGKILL` once it has acknowledged `afterAcknowledgments`
    /// transactions and `jitterMicroseconds` more have passed, and returns what it acknowledged. The blocking reads
    /// run on a thread of their own, not on the cooperative pool.
    static func runAndKill(
        _ executable: URL,
        path: String,
        afterAcknowledgments: Int,
        jitterMicroseconds: UInt32
    ) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        try runAndKillBlocking(
                            executable,
                            path: path,
                            afterAcknowledgments: afterAcknowledgments,
                            jitterMicroseconds: jitterMicroseconds
                        )
                    }
                )
            }.start()
        }
    }

    private static func runAndKillBlocking(
        _ executable: URL,
        path: String,
        afterAcknowledgments: Int,
        jitterMicroseconds: UInt32
    ) throws -> Run {
        let errorPath = path + ".stderr"
        try Data().write(to: URL(fileURLWithPath: errorPath))
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errorFile.close() }
        let output = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["crash-writer", path]
        process.standardOutput = output
        process.standardError = errorFile
        try process.run()

        var acknowledged: [Int] = []
        var pending = Data()
        var killed = false
        func killIfDue() {
            guard !killed, acknowledged.count >= afterAcknowledgments else { return }
            killed = true
            // A real delay, not a wait for a batch: it moves the kill to a random point of the next transaction.
            usleep(jitterMicroseconds)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        killIfDue()
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // end of file: the writer is gone
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if let tx = Int(line) { acknowledged.append(tx) }
            }
            killIfDue()
        }
        process.waitUntilExit()
        let wasKilled = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        // Read only when needed: FoundationEssentials leaks the buffer of an empty file (LeakSanitizer reports it).
        let errors = wasKilled ? "" : (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: errorPath)
        return Run(acknowledged: acknowledged, wasKilled: wasKilled, errorOutput: errors)
    }
}
