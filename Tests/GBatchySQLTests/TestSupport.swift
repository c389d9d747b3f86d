import Foundation
import GBatchySQL

/// A unique temporary directory, created for one test (under `base`, the system's temporary directory by default)
/// and always removed.
func withTemporaryDirectory<R>(
    in base: URL = FileManager.default.temporaryDirectory,
    _ body: (URL) async throws -> R
) async throws -> R {
    let directory = base.appendingPathComponent("gbatchy-sql-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Opens a database file in a fresh temporary directory, runs `body`, and always closes and removes it.
func withTemporaryDatabase<R>(
    configuration: SQLiteSource.Configuration = .init(readerCount: 2),
    _ body: (SQLiteSource, String) async throws -> R
) async throws -> R {
    try await withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("test.sqlite").path
        return try await withDatabase(at: path, configuration: configuration) { db in try await body(db, path) }
    }
}

/// Opens the database file at `path`, runs `body`, and always closes it.
func withDatabase<R>(
    at path: String,
    configuration: SQLiteSource.Configuration = .init(readerCount: 2),
    _ body: (SQLiteSource) async throws -> R
) async throws -> R {
    try await closing(SQLiteSource(path: path, configuration: configuration), body)
}

/// Runs `body` on `db`, and always closes it.
func closing<R>(_ db: SQLiteSource, _ body: (SQLiteSource) async throws -> R) async throws -> R {
    do {
        let result = try await body(db)
        await db.close()
        return result
    } catch {
        await db.close()
        throw error
    }
}

/// The seeds of a seeded test: only `<prefix>_SEED` when it is set (to replay one), otherwise 1 through
/// `<prefix>_SEEDS` (`defaultCount` when unset).
func seeds(fromEnvironment prefix: String, defaultCount: Int) -> [UInt64] {
    let environment = ProcessInfo.processInfo.environment
    if let seed = environment["\(prefix)_SEED"].flatMap(UInt64.init) { return [seed] }
    let count = environment["\(prefix)_SEEDS"].flatMap(Int.init) ?? defaultCount
    return (1...UInt64(max(count, 1))).map { $0 }
}

/// Runs `body` and returns the error it throws, or nil.
func capture(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

let usersSchema = "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER, email TEXT)"

struct User: Codable, Sendable, Equatable {
    var id: Int
    var name: String
}

func count(_ table: String, in db: SQLiteSource) async throws -> Int {
    try await db.query("SELECT count(*) FROM \(table)", as: Int.self)[0]
}

/// A small seeded generator (SplitMix64), so that a failing seed replays. (GBatchyTests has the same one: test targets
/// share no sources.)
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A serial executor on a dispatch queue of its own, like the main actor's, that counts the jobs it is given.
final class QueueExecutor: SerialExecutor {
    let queue = DispatchQueue(label: "gbatchy.sql-tests.queue-executor")
    let jobs = TestCounter()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.increment()
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// An actor on a ``QueueExecutor``: its jobs never run on a task executor, and each hop onto it is one job.
actor QueueActor {
    let executor = QueueExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    func run<T: Sendable>(_ body: @Sendable (isolated QueueActor) async throws -> T) async rethrows -> T {
        try await body(self)
    }
}

/// A thread-safe counter. `@unchecked Sendable`: `count` is read and written only under `lock`.
final class TestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// `count` divided by `GBATCHY_TEST_SCALE` (1 by default), and at least `minimum`: the sanitizer runs of CI set 10, so
/// that the largest tests (300,000 keys, 1000 runs) check the same things at a tenth of the size, within their time
/// limits under ThreadSanitizer's slowdown.
func scaled(_ count: Int, minimum: Int = 1) -> Int {
    let divisor = ProcessInfo.processInfo.environment["GBATCHY_TEST_SCALE"].flatMap(Int.init) ?? 1
    return max(minimum, count / max(1, divisor))
}
