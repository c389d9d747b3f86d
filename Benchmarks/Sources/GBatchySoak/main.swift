// R6 soak: mixed reads and writes from many concurrent contexts against a temporary file database, checked against
// a model of what was committed.
//
//     swift run --package-path Benchmarks -c release --scratch-path Benchmarks/.build-soak gbatchy-soak [--minutes N | --seconds N]
//
// Pass rule (exit code 0): no errors, and RSS at the end <= 1.5 x the baseline RSS + 20 MiB, where the baseline is
// the RSS after the first minute (or after the first quarter of the run, for a run shorter than 4 minutes).

import Foundation
import GBatchy
import GBatchySQL
import Synchronization

// MARK: - Arguments

func parseDuration() -> Duration {
    let arguments = CommandLine.arguments
    func value(after flag: String) -> Int? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }
    if let seconds = value(after: "--seconds") { return .seconds(max(1, seconds)) }
    return .seconds(60 * max(1, value(after: "--minutes") ?? 10))
}

// MARK: - RSS

/// The resident set size in MiB, from /proc/self/statm (Linux); 0 where it does not exist.
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
}

func format(_ mib: Double) -> String { String(format: "%.1f", mib) }

// MARK: - Model

/// An account row. `balance` is a function of `id` and `version`, so any row read can be checked on its own.
struct Account: Decodable, Sendable, Equatable {
    let id: Int
    let owner: Int
    let balance: Int
    let version: Int
}

let ownerCount = 64
let initialAccounts = 2_000
let maxAccounts = 20_000
func owner(of id: Int) -> Int { id % ownerCount }
func balance(id: Int, version: Int) -> Int { id * 7 + version * 13 }

/// What has been committed: the version of every account whose insert committed. Versions only grow.
final class Model: Sendable {
    private struct State {
        var committed: [Int: Int] = [:]
        var byOwner: [[Int: Int]] = Array(repeating: [:], count: ownerCount)
        var nextID = 1
    }

    private let state = Mutex(State())

    func allocateID() -> Int? {
        state.withLock { state in
            guard state.nextID <= maxAccounts else { return nil }
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    var allocated: Int { state.withLock { $0.nextID - 1 } }

    func didCommit(id: Int, version: Int) {
        state.withLock { state in
            let newest = max(state.committed[id] ?? -1, version)
            state.committed[id] = newest
            state.byOwner[owner(of: id)][id] = newest
        }
    }

    /// The committed versions of `ids` (nil: not committed yet), as known now.
    func versions(of ids: [Int]) -> [Int?] { state.withLock { state in ids.map { state.committed[$0] } } }

    /// The committed accounts of `owner` and their versions, as known now.
    func accounts(of owner: Int) -> [Int: Int] {
        state.withLock { $0.byOwner[owner] }
    }

    func randomCommittedIDs(_ count: Int, using generator: inout SplitMix64) -> [Int] {
        let top = allocated
        return (0..<count).map { _ in Int.random(in: 1...max(1, top), using: &generator) }
    }
}

/// A small, fast, seedable generator.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Counters

final class Counters: Sendable {
    private struct State {
        var operations = 0
        var errors = 0
        var messages: [String] = []
    }

    private let state = Mutex(State())

    func add(operations: Int) { state.withLock { $0.operations += operations } }

    func fail(_ message: String) {
        state.withLock { state in
            state.errors += 1
            if state.messages.count < 20 {
                state.messages.append(message)
                print("soak error: \(message)")
            }
        }
    }

    var snapshot: (operations: Int, errors: Int) { state.withLock { ($0.operations, $0.errors) } }
}

// MARK: - One context

struct Loaders: Sendable {
    let accounts: TableLoader<Int, Account>
    let byOwner: GroupLoader<Int, Account>
}

/// Checks a row read against the model: consistent in itself, not older than what was committed before the
/// context started, and not newer than anything ever written.
func check(_ row: Account?, id: Int, committedBefore: Int?, counters: Counters, where place: String) {
    guard let row else {
        if let committedBefore { counters.fail("\(place): account \(id) (version \(committedBefore)) missing") }
        return
    }
    if row.id != id || row.owner != owner(of: id) || row.balance != balance(id: id, version: row.version) {
        counters.fail("\(place): account \(id) inconsistent: \(row)")
    }
    if let committedBefore, row.version < committedBefore {
        counters.fail("\(place): account \(id) went back from version \(committedBefore) to \(row.version)")
    }
}

/// One request: loads through both loaders, sometimes writes, and checks everything it reads.
func runContext(
    seed: UInt64,
    db: SQLiteSource,
    loaders: Loaders,
    model: Model,
    counters: Counters
) async {
    var generator = SplitMix64(seed: seed)
    let ids = model.randomCommittedIDs(12, using: &generator)
    let owners = (0..<3).map { _ in Int.random(in: 0..<ownerCount, using: &generator) }
    let writes = Int.random(in: 0..<10, using: &generator)  // 0-2: update, 3: insert, else read only
    let updateIDs = model.randomCommittedIDs(3, using: &generator)
    let versionsBefore = model.versions(of: ids)
    let groupsBefore = owners.map { model.accounts(of: $0) }
    do {
        try await withBatchContext {
            // Tick 1: twelve single-row loads and three group loads, each its own waiter.
            async let rows = pmap(ids) { try await loaders.accounts.load($0) }
            async let groups = pmap(owners) { try await loaders.byOwner.load($0) }
            let (loadedRows, loadedGroups) = try await (rows, groups)
            counters.add(operations: ids.count + owners.count)
            for (index, row) in loadedRows.enumerated() {
                check(row, id: ids[index], committedBefore: versionsBefore[index], counters: counters, where: "load")
            }
            for (index, group) in loadedGroups.enumerated() {
                let seen = Set(group.map(\.id))
                for id in groupsBefore[index].keys where !seen.contains(id) {
                    counters.fail("group \(owners[index]) lacks committed account \(id)")
                }
                for row in group {
                    check(
                        row,
                        id: row.id,
                        committedBefore: groupsBefore[index][row.id],
                        counters: counters,
                        where: "group \(owners[index])"
                    )
                }
            }

            if writes < 3 {
                // Update: bump the version of three accounts, then read them back in the same context.
                let committed = try await db.write { conn -> [(Int, Int)] in
                    var result: [(Int, Int)] = []
                    for id in Set(updateIDs) {
                        try conn.execute(
                            "UPDATE accounts SET version = version + 1, balance = ? * 7 + (version + 1) * 13 WHERE id = ?",
                            [id, id]
                        )
                        if conn.changedRowCount == 1 {
                            let version = try conn.query(
                                "SELECT version FROM accounts WHERE id = ?",
                                [id],
                                as: Int.self
                            )[0]
                            result.append((id, version))
                        }
                    }
                    return result
                }
                for (id, version) in committed { model.didCommit(id: id, version: version) }
                counters.add(operations: 1)
                let reread = try await pmap(committed) { try await loaders.accounts.load($0.0) }
                counters.add(operations: committed.count)
                for (row, (id, version)) in zip(reread, committed) {
                    check(row, id: id, committedBefore: version, counters: counters, where: "read-your-write")
                }
            } else if writes == 3, let first = model.allocateID(), let second = model.allocateID() {
                // Insert two accounts in one transaction.
                try await db.write { conn in
                    for id in [first, second] {
                        try conn.execute(
                            "INSERT INTO accounts(id, owner, balance, version) VALUES (?, ?, ?, 0)",
                            [id, owner(of: id), balance(id: id, version: 0)]
                        )
                    }
                }
                model.didCommit(id: first, version: 0)
                model.didCommit(id: second, version: 0)
                counters.add(operations: 1)
                let group = try await loaders.byOwner.load(owner(of: first))
                counters.add(operations: 1)
                if !group.contains(where: { $0.id == first }) {
                    counters.fail("inserted account \(first) not in its owner's group in the same context")
                }
            }
        }
    } catch {
        counters.fail("context \(seed): \(error)")
    }
}

// MARK: - Main

let duration = parseDuration()
let baselineAfter = min(Duration.seconds(60), duration / 4)
let rssStart = residentMiB()
print("soak: running for \(duration), 32 concurrent contexts; RSS start \(format(rssStart)) MiB")

let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("gbatchy-soak-\(UUID().uuidString)", isDirectory: true)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

let db = try SQLiteSource(
    path: directory.appendingPathComponent("soak.sqlite").path,
    configuration: .init(readerCount: 4)
)
let model = Model()
let counters = Counters()
try await db.execute(
    """
    CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, balance INTEGER NOT NULL,
                          version INTEGER NOT NULL);
    CREATE INDEX accounts_owner ON accounts(owner);
    """
)
try await db.write { conn in
    for _ in 0..<initialAccounts {
        guard let id = model.allocateID() else { break }
        try conn.execute(
            "INSERT INTO accounts(id, owner, balance, version) VALUES (?, ?, ?, 0)",
            [id, owner(of: id), balance(id: id, version: 0)]
        )
    }
}
for id in 1...initialAccounts { model.didCommit(id: id, version: 0) }
let loaders = Loaders(
    accounts: db.loader(Account.self, table: "accounts", key: "id"),
    byOwner: db.groupLoader(Account.self, table: "accounts", key: "owner", orderBy: "id")
)

let clock = ContinuousClock()
let start = clock.now
let deadline = start + duration
let baseline = Mutex<Double?>(nil)

// Reports RSS every minute (and takes the baseline); it stops at the deadline. The sleeps pace the report, they
// wait for nothing.
let reporter = Task {
    var nextReport = start + .seconds(60)
    while clock.now < deadline {
        let baselineTaken = baseline.withLock { $0 } != nil
        let wake = min(baselineTaken ? nextReport : min(nextReport, start + baselineAfter), deadline)
        try? await Task.sleep(until: wake, clock: clock)
        let now = clock.now
        if baseline.withLock({ $0 }) == nil, now >= start + baselineAfter {
            let rss = residentMiB()
            baseline.withLock { $0 = rss }
            print("soak: baseline RSS \(format(rss)) MiB after \(now - start)")
        }
        if now >= nextReport {
            let (operations, errors) = counters.snapshot
            print(
                "soak: \(Int((now - start) / .seconds(60))) min, \(operations) operations, \(errors) errors,"
                    + " RSS \(format(residentMiB())) MiB"
            )
            nextReport += .seconds(60)
        }
    }
}

await withTaskGroup(of: Void.self) { group in
    var seed: UInt64 = 0
    func startContext() {
        seed += 1
        let contextSeed = seed
        group.addTask {
            await runContext(seed: contextSeed, db: db, loaders: loaders, model: model, counters: counters)
        }
    }
    for _ in 0..<32 { startContext() }
    // Each finished context is replaced until the deadline; then the last ones drain.
    while await group.next() != nil {
        if clock.now < deadline { startContext() }
    }
}
await reporter.value

// A last check: every committed account is in the file with at least its committed version.
let finalRows = try await db.query("SELECT id, owner, balance, version FROM accounts ORDER BY id", as: Account.self)
let finalByID = Dictionary(uniqueKeysWithValues: finalRows.map { ($0.id, $0) })
for (id, version) in zip(1...model.allocated, model.versions(of: Array(1...model.allocated))) {
    check(finalByID[id], id: id, committedBefore: version, counters: counters, where: "final")
}
if try await db.query("PRAGMA integrity_check", as: String.self) != ["ok"] { counters.fail("integrity_check failed") }
await db.close()
try? FileManager.default.removeItem(at: directory)

let rssEnd = residentMiB()
let rssBaseline = baseline.withLock { $0 } ?? rssEnd
let limit = rssBaseline * 1.5 + 20
let (operations, errors) = counters.snapshot
print("soak: \(finalRows.count) accounts; RSS baseline \(format(rssBaseline)) MiB, limit \(format(limit)) MiB")
print("soak: \(operations) operations, \(errors) errors, RSS start \(format(rssStart)) MiB end \(format(rssEnd)) MiB")
let passed = errors == 0 && rssEnd <= limit
print(passed ? "soak: PASS" : "soak: FAIL (errors, or RSS end above 1.5 x baseline + 20 MiB)")
exit(passed ? 0 : 1)
