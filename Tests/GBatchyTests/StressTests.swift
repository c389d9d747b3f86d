import Foundation
import GBatchy
import Testing

/// R1: model-based stress. A seeded generator builds programs of concurrent contexts (nested loads, `loadMany`,
/// futures, `spawn`, pools, `maxBatchSize`, caching on and off, per-key and whole-batch failures). Every result is
/// checked against a sequential model, every waiter must be answered once, and no batch may mix contexts or loaders.
///
/// Set `GBATCHY_STRESS_CONTEXTS=1000` (and `GBATCHY_STRESS_SEEDS`) for the long run, and `GBATCHY_STRESS_SEED=N` to
/// replay seed N alone (a failure prints the command).
@Suite("Model-based stress", .timeLimit(.minutes(5)))
struct StressTests {
    /// Seeds 1 through `GBATCHY_STRESS_SEEDS` (4 by default), or only `GBATCHY_STRESS_SEED` when it is set.
    static let seeds: [UInt64] = {
        let environment = ProcessInfo.processInfo.environment
        if let seed = environment["GBATCHY_STRESS_SEED"].flatMap(UInt64.init) { return [seed] }
        let count = environment["GBATCHY_STRESS_SEEDS"].flatMap(Int.init) ?? 4
        return (1...UInt64(max(count, 1))).map { $0 }
    }()

    static let contextCount = ProcessInfo.processInfo.environment["GBATCHY_STRESS_CONTEXTS"].flatMap(Int.init) ?? 40

    /// The command that runs `seed` alone with the same number of contexts.
    static func replay(_ seed: UInt64, suite: String) -> String {
        "GBATCHY_STRESS_SEED=\(seed) GBATCHY_STRESS_CONTEXTS=\(contextCount) swift test --filter \(suite)"
    }

    @Test("random programs match the sequential model", arguments: seeds)
    func randomPrograms(seed: UInt64) async throws {
        let world = World()
        var generator = SplitMix64(seed: seed)
        let programs = (0..<Self.contextCount).map { context in
            Program.random(context: context, using: &generator)
        }
        let reports = try await withThrowingTaskGroup(of: ContextReport.self) { group in
            for program in programs {
                group.addTask { try await program.run(in: world) }
            }
            var reports: [ContextReport] = []
            for try await report in group { reports.append(report) }
            return reports
        }
        let failures = world.verify(reports)
        if !failures.isEmpty {
            Issue.record(
                "seed \(seed) failed (replay: \(Self.replay(seed, suite: "StressTests"))):\n\(failures.prefix(10).joined(separator: "\n"))"
            )
        }
        #expect(reports.count == Self.contextCount)
        // The programs really loaded: every context observed results, and batches ran.
        #expect(reports.allSatisfy { !$0.observations.isEmpty })
        #expect(world.log.all.count > Self.contextCount)
    }
}

/// Keys carry their context: key = context × 100,000 + local key, so a batch mixing contexts shows at once.
let contextStride = 100_000

struct PoisonError: Error, Equatable {}

struct FailingKey: Error, Equatable {
    let key: Int
}

/// The loaders under test, and the log of every batch they received.
final class World: Sendable {
    struct Batch: Sendable {
        let loader: Int
        let context: ObjectIdentifier
        let keys: [Int]
        /// The tick the batch was dispatched in, counted from 1 in its context.
        let tick: Int
    }

    let log = BatchLog<Batch>()
    let loaders: [Loader<Int, Int>]
    /// The batch functions running now. A cancelled context's batch keeps running after its program has returned.
    let work = RunningWork()

    init() {
        let (log, work) = (log, work)
        @Sendable func record(_ loader: Int, _ keys: [Int]) {
            let context = BatchContext.current!
            log.record([
                Batch(loader: loader, context: ObjectIdentifier(context), keys: keys, tick: context.statistics.ticks)
            ])
        }
        let plain = Loader<Int, Int>(name: "L0") { keys in
            await work.running {
                record(0, keys)
                return keys.map { Model.value(loader: 0, key: $0) }
            }
        }
        let chunkedUncached = Loader<Int, Int>(name: "L1", maxBatchSize: 3, caching: false) { keys in
            try await work.running {
                record(1, keys)
                if keys.contains(where: Model.isPoison) { throw PoisonError() }
                return keys.map { Model.value(loader: 1, key: $0) }
            }
        }
        let partial = Loader<Int, Int>(
            name: "L2",
            results: { keys in
                await work.running {
                    record(2, keys)
                    return keys.map { key in
                        Model.failsAlone(key)
                            ? .failure(FailingKey(key: key)) : .success(Model.value(loader: 2, key: key))
                    }
                }
            }
        )
        let nested = Loader<Int, Int>(name: "L3", maxBatchSize: 5) { keys in
            try await work.running {
                record(3, keys)
                let inner = try await plain.loadAll(keys.map { $0 + 1 })
                return inner.map { $0 + 1 }
            }
        }
        loaders = [plain, chunkedUncached, partial, nested]
    }

    /// Checks every observation of every context against the model, and the batch log against the invariants.
    func verify(_ reports: [ContextReport], otherContexts: [ObjectIdentifier: Int] = [:]) -> [String] {
        var failures: [String] = []
        let batches = log.all.flatMap { $0 }
        var contextIndex = otherContexts
        for report in reports { contextIndex[ObjectIdentifier(report.context)] = report.index }
        for batch in batches {
            guard let index = contextIndex[batch.context] else {
                failures.append("a batch ran in an unknown context: \(batch.keys)")
                continue
            }
            if batch.keys.contains(where: { $0 / contextStride != index }) {
                failures.append("batch \(batch.keys) of L\(batch.loader) mixes contexts (ran in context \(index))")
            }
            if batch.loader == 1 && batch.keys.count > 3 {
                failures.append("batch \(batch.keys) of L1 exceeds maxBatchSize 3")
            }
            if Set(batch.keys).count != batch.keys.count {
                failures.append("batch \(batch.keys) of L\(batch.loader) repeats a key")
            }
        }
        for report in reports {
            if report.statistics.waitersSuspended != report.statistics.waitersResumed {
                failures.append(
                    "context \(report.index): \(report.statistics.waitersSuspended) suspended, \(report.statistics.waitersResumed) resumed"
                )
            }
            let mine = batches.filter { $0.context == ObjectIdentifier(report.context) }
            for observation in report.observations {
                if let failure = Model.check(observation, batches: mine) {
                    failures.append("context \(report.index): \(failure)")
                }
            }
            // A cached loader never fetches a key twice in one context once it succeeded.
            for loader in [0, 3] {
                var seen: [Int: Int] = [:]
                for batch in mine where batch.loader == loader {
                    for key in batch.keys { seen[key, default: 0] += 1 }
                }
                for (key, count) in seen where count > 1 {
                    failures.append("context \(report.index): L\(loader) fetched key \(key) \(count) times")
                }
            }
        }
        return failures
    }
}

/// The sequential model: what every load must answer.
enum Model {
    static func value(loader: Int, key: Int) -> Int {
        switch loader {
        case 3: value(loader: 0, key: key + 1) + 1
        default: key * 3 + loader
        }
    }

    static func isPoison(_ key: Int) -> Bool { key % contextStride % 50 == 13 }
    static func failsAlone(_ key: Int) -> Bool { key % contextStride % 7 == 0 }

    /// Returns a description of what is wrong with `observation`, or nil.
    static func check(_ observation: Observation, batches: [World.Batch]) -> String? {
        let (loader, key, result) = (observation.loader, observation.key, observation.result)
        switch result {
        case .success(let value):
            if value != Model.value(loader: loader, key: key) {
                return "L\(loader)[\(key)] = \(value), expected \(Model.value(loader: loader, key: key))"
            }
            if loader == 2 && failsAlone(key) { return "L2[\(key)] succeeded but must fail alone" }
        case .failure(let error as FailingKey):
            if loader != 2 || error.key != key || !failsAlone(key) { return "L\(loader)[\(key)] failed with \(error)" }
        case .failure(is PoisonError):
            // Whole-batch failure: the key shared an L1 batch with a poison key.
            let shared = batches.contains {
                $0.loader == 1 && $0.keys.contains(key) && $0.keys.contains(where: isPoison)
            }
            if loader != 1 || !shared { return "L\(loader)[\(key)] failed with PoisonError without a poisoned batch" }
        case .failure(is CancellationError) where observation.mayBeCancelled:
            break
        case .failure(let error):
            return "L\(loader)[\(key)] failed with unexpected \(error)"
        }
        return nil
    }
}

struct Observation: Sendable {
    let loader: Int
    let key: Int
    let result: Result<Int, any Error>
    /// Whether the storm may have cancelled the task that observed it.
    var mayBeCancelled = false
}

struct ContextReport: Sendable {
    let index: Int
    /// The context itself, not its `ObjectIdentifier`: holding it keeps its address from being reused by a later
    /// context, which would make batches of two contexts look alike.
    let context: BatchContext
    let observations: [Observation]
    let statistics: BatchStatistics
}

/// Collects observations from the concurrent tasks of one program.
final class Observations: Sendable {
    private let items = TestLocked<[Observation]>([])

    func add(_ loader: Int, _ key: Int, _ result: Result<Int, any Error>) {
        items.withLock { $0.append(Observation(loader: loader, key: key, result: result)) }
    }

    func add(_ loader: Int, _ keys: [Int], _ results: [Result<Int, any Error>]) {
        items.withLock { items in
            for (key, result) in zip(keys, results) {
                items.append(Observation(loader: loader, key: key, result: result))
            }
        }
    }

    var all: [Observation] { items.withLock { $0 } }

    /// The context the program ran in, set when it starts (held, so that its address is not reused).
    let context = TestLocked<BatchContext?>(nil)

    /// Marks every observation as possibly cancelled.
    func markCancellable() {
        items.withLock { items in
            for index in items.indices { items[index].mayBeCancelled = true }
        }
    }
}

/// One context's program: a tree of operations.
indirect enum Step: Sendable {
    case load(loader: Int, key: Int)
    case loadMany(loader: Int, keys: [Int])
    case futures(loader: Int, keys: [Int])
    case concurrently([Step])
    case spawned([Step])
    case pooled(size: Int, [Step])
    case inOrder([Step])

    static func random(context: Int, depth: Int, using generator: inout SplitMix64) -> Step {
        func key() -> Int { context * contextStride + Int.random(in: 0..<60, using: &generator) }
        func loader() -> Int { Int.random(in: 0..<4, using: &generator) }
        func children() -> [Step] {
            (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                random(context: context, depth: depth + 1, using: &generator)
            }
        }
        let choice = depth >= 3 ? Int.random(in: 0..<3, using: &generator) : Int.random(in: 0..<7, using: &generator)
        switch choice {
        case 0: return .load(loader: loader(), key: key())
        case 1:
            return .loadMany(loader: loader(), keys: (0..<Int.random(in: 0...6, using: &generator)).map { _ in key() })
        case 2:
            return .futures(loader: loader(), keys: (0..<Int.random(in: 1...5, using: &generator)).map { _ in key() })
        case 3: return .concurrently(children())
        case 4: return .spawned(children())
        case 5: return .pooled(size: Int.random(in: 1...3, using: &generator), children())
        default: return .inOrder(children())
        }
    }

    func run(_ world: World, _ observations: Observations) async throws {
        switch self {
        case .load(let loader, let key):
            do {
                observations.add(loader, key, .success(try await world.loaders[loader].load(key)))
            } catch {
                observations.add(loader, key, .failure(error))
            }
        case .loadMany(let loader, let keys):
            observations.add(loader, keys, await world.loaders[loader].loadMany(keys))
        case .futures(let loader, let keys):
            let futures = keys.map { world.loaders[loader].future($0) }
            for (key, future) in zip(keys, futures) {
                observations.add(loader, key, await future.result)
            }
        case .concurrently(let steps):
            try await withThrowingTaskGroup(of: Void.self) { group in
                for step in steps { group.addTask { try await step.run(world, observations) } }
                try await group.waitForAll()
            }
        case .spawned(let steps):
            let tasks = steps.map { step in spawn { try await step.run(world, observations) } }
            _ = try await pget(tasks)
        case .pooled(let size, let steps):
            _ = try await BatchPool(size: size).pmap(steps) { try await $0.run(world, observations) }
        case .inOrder(let steps):
            for step in steps { try await step.run(world, observations) }
        }
    }
}

struct Program: Sendable {
    let context: Int
    let root: Step

    static func random(context: Int, using generator: inout SplitMix64) -> Program {
        Program(
            context: context,
            root: .concurrently((0..<3).map { _ in Step.random(context: context, depth: 1, using: &generator) })
        )
    }

    func run(in world: World, observations: Observations = Observations()) async throws -> ContextReport {
        try await withBatchContext {
            observations.context.withLock { $0 = BatchContext.current! }
            try await root.run(world, observations)
            let context = BatchContext.current!
            return ContextReport(
                index: self.context,
                context: context,
                observations: observations.all,
                statistics: context.statistics
            )
        }
    }
}

/// R2: a cancellation storm. Whole contexts are cancelled at random moments (while their loads are queued,
/// dispatching or resolving); the others must still match the model, and no waiter may be lost.
@Suite("Cancellation storm", .timeLimit(.minutes(5)))
struct CancellationStormTests {
    @Test(
        "cancelled contexts answer CancellationError or a correct value; the others are unaffected",
        arguments: StressTests.seeds
    )
    func storm(seed: UInt64) async throws {
        let world = World()
        var generator = SplitMix64(seed: seed &+ 1000)
        let count = StressTests.contextCount
        let programs = (0..<count).map { Program.random(context: $0, using: &generator) }
        let cancelled = (0..<count).map { _ in Bool.random(using: &generator) }
        let yields = (0..<count).map { _ in Int.random(in: 0..<20, using: &generator) }
        let observations = (0..<count).map { _ in Observations() }
        let tasks = programs.map { program in
            Task { try await program.run(in: world, observations: observations[program.context]) }
        }
        for index in 0..<count where cancelled[index] {
            for _ in 0..<yields[index] { await Task.yield() }
            tasks[index].cancel()
        }
        var finished: [ContextReport] = []
        for (index, task) in tasks.enumerated() {
            switch await task.result {
            case .success(let report):
                if cancelled[index] { observations[index].markCancellable() }
                finished.append(report)
            case .failure(let error):
                #expect(cancelled[index], "context \(index) failed without being cancelled: \(error)")
            }
        }
        // A cancelled context's program returns while batches it started still run (and wait for nested loads):
        // count and check once they are done, with each context's counters read then, not when its program returned.
        let failures = await world.work.whenIdle {
            let reports = finished.map { report in
                ContextReport(
                    index: report.index,
                    context: report.context,
                    observations: observations[report.index].all,
                    statistics: report.context.statistics
                )
            }
            var started: [ObjectIdentifier: Int] = [:]
            for (index, observed) in observations.enumerated() {
                if let context = observed.context.withLock({ $0 }) { started[ObjectIdentifier(context)] = index }
            }
            return world.verify(reports, otherContexts: started)
        }
        if !failures.isEmpty {
            Issue.record(
                "seed \(seed) failed (replay: \(StressTests.replay(seed, suite: "CancellationStormTests"))):\n\(failures.prefix(10).joined(separator: "\n"))"
            )
        }
    }
}

/// Counts the batch functions running now, and runs a check at a moment when none is.
final class RunningWork: Sendable {
    private struct State {
        var running = 0
        /// Batch functions started so far: a check that saw it change ran while a new one started, and runs again.
        var started = 0
        var idleWaiters: [UnsafeContinuation<Void, Never>] = []
    }

    private let state = TestLocked(State())

    /// Runs one batch function's body, counted as running until it returns or throws.
    func running<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { state in
            state.running += 1
            state.started += 1
        }
        defer {
            let waiters = state.withLock { state in
                state.running -= 1
                guard state.running == 0 else { return [UnsafeContinuation<Void, Never>]() }
                defer { state.idleWaiters = [] }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        return try await body()
    }

    /// Runs `check` when no batch function runs, and again if one started meanwhile, so that what it reads is
    /// the settled state rather than a moment in the middle of a batch.
    func whenIdle<T>(_ check: () -> T) async -> T {
        while true {
            let started = await idle()
            let result = check()
            if state.withLock({ $0.running == 0 && $0.started == started }) { return result }
        }
    }

    /// Returns once no batch function runs, with the number started so far.
    private func idle() async -> Int {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.running == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        return state.withLock { $0.started }
    }
}
