import Dispatch
import GBatchy
import Testing

/// A serial executor on a dispatch queue of its own.
final class QueueExecutor: SerialExecutor {
    let queue = DispatchQueue(label: "gbatchy.tests.queue-executor")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// An actor with a serial executor of its own, like the main actor: its jobs never run on a task executor.
actor QueueActor {
    let executor = QueueExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    func run<T: Sendable>(_ body: @Sendable (isolated QueueActor) async throws -> T) async rethrows -> T {
        try await body(self)
    }
}

/// A default actor: its jobs run on the caller's task executor when it has one.
actor DefaultActor {
    func run<T: Sendable>(_ body: @Sendable (isolated DefaultActor) async throws -> T) async rethrows -> T {
        try await body(self)
    }
}

/// The README's statistics example: two `async let` loads, one tick, one batch of two keys.
func statisticsExample(
    _ users: Loader<Int, Int>,
    isolation: isolated (any Actor)? = #isolation
) async throws -> (ticks: Int, sizes: [Int]) {
    let stats = try await withBatchContext {
        isolation?.assertIsolated()  // the body runs on the caller's actor, as top-level code does on the main one
        async let a = users.load(1)
        async let b = users.load(2)
        _ = try await (a, b)
        return BatchContext.current!.statistics
    }
    return (stats.ticks, stats["users"].batchSizes)
}

/// The README's quick start: four loads through `pmap`, one batch of three keys.
func quickStartExample(_ users: Loader<Int, Int>, isolation: isolated (any Actor)? = #isolation) async throws -> [Int] {
    try await withBatchContext {
        isolation?.assertIsolated()
        return try await pmap([1, 2, 3, 1]) { try await users.load($0) }
    }
}

/// The seed example (gbatchy's README): two spawned fetchers, three futures each, one batch of `0 1 2 0 1 2`.
func seedExample(_ batchFn: BatchFunction<Int, Int>, isolation: isolated (any Actor)? = #isolation) async throws {
    try await withBatchContext {
        isolation?.assertIsolated()
        _ = try await pget(
            (0..<2).map { _ in
                spawn { _ = try await pget((0..<3).map { batchFn.future($0) }) }
            }
        )
    }
}

/// Futures queued straight from the body, with a synchronous call to the body's own actor in between: the body's
/// synchronous run must end before the tick.
func futuresExample(_ users: Loader<Int, Int>, isolation: isolated (any Actor)? = #isolation) async throws -> Int {
    try await withBatchContext {
        isolation?.assertIsolated()
        let first = users.future(1)
        var spin = 0
        for i in 0..<2_000 { spin &+= i }
        let second = users.future(2 + spin - spin)
        _ = try await pget([first, second])
        return BatchContext.current!.statistics.ticks
    }
}

/// Where `withBatchContext` is called from must not change the batches it forms (issue #9). Each example runs many
/// times from each isolation; every run must form exactly the same batches.
@Suite("Batches do not depend on the caller's isolation", .timeLimit(.minutes(2)))
struct IsolationExactnessTests {
    static let runs = scaled(1000)

    enum Caller: String, CaseIterable, CustomTestStringConvertible {
        case nonisolated, mainActor, queueActor, defaultActor, unstructuredTask
        var testDescription: String { rawValue }
    }

    /// Runs `example` from `caller`'s isolation.
    func run<T: Sendable>(
        from caller: Caller,
        _ example: @escaping @Sendable (isolated (any Actor)?) async throws -> T
    ) async throws -> T {
        switch caller {
        case .nonisolated:
            return try await example(nil)
        case .mainActor:
            return try await MainActor.run { @Sendable in MainActorBox() }.call(example)
        case .queueActor:
            return try await QueueActor().run { actor in try await example(actor) }
        case .defaultActor:
            return try await DefaultActor().run { actor in try await example(actor) }
        case .unstructuredTask:
            return try await Task { try await example(nil) }.value
        }
    }

    @Test("the statistics example: one tick, one batch of two keys, every run", arguments: Caller.allCases)
    func statistics(caller: Caller) async throws {
        let (users, _) = recordingLoader("users")
        for _ in 0..<Self.runs {
            let (ticks, sizes) = try await run(from: caller) { isolation in
                try await statisticsExample(users, isolation: isolation)
            }
            try #require(ticks == 1 && sizes == [2], "from \(caller): \(ticks) ticks, batches \(sizes)")
        }
    }

    @Test("the quick start: one batch of three keys, every run", arguments: Caller.allCases)
    func quickStart(caller: Caller) async throws {
        let (users, log) = recordingLoader("users")
        for run in 0..<Self.runs {
            let values = try await self.run(from: caller) { isolation in
                try await quickStartExample(users, isolation: isolation)
            }
            try #require(
                values == [10, 20, 30, 10] && log.all.count == run + 1,
                "from \(caller): \(log.all.suffix(2))"
            )
            try #require(batchOrder(log.all[run]) == [1, 2, 3], "from \(caller): \(log.all.suffix(2))")
        }
    }

    @Test("the seed example: one batch of 0 1 2 0 1 2, every run", arguments: Caller.allCases)
    func seed(caller: Caller) async throws {
        let log = BatchLog<Int>()
        let batchFn = BatchFunction<Int, Int>(name: "batch_fn") { args in
            log.record(args)
            return args.map { $0 + 1 }
        }
        for run in 0..<Self.runs {
            try await self.run(from: caller) { isolation in try await seedExample(batchFn, isolation: isolation) }
            try #require(
                log.all.count == run + 1 && batchOrder(log.all.last ?? []) == batchOrder([0, 1, 2, 0, 1, 2]),
                "from \(caller): \(log.all)"
            )
        }
    }

    @Test("futures queued by the body around synchronous work: one tick, every run", arguments: Caller.allCases)
    func futures(caller: Caller) async throws {
        let (users, log) = recordingLoader("users")
        for run in 0..<Self.runs {
            let ticks = try await self.run(from: caller) { isolation in
                try await futuresExample(users, isolation: isolation)
            }
            try #require(ticks == 1 && log.all.count == run + 1, "from \(caller): \(ticks) ticks, \(log.all.suffix(2))")
        }
    }
}

/// Calls an isolation-generic example from the main actor.
@MainActor
struct MainActorBox: Sendable {
    func call<T: Sendable>(_ example: @Sendable (isolated (any Actor)?) async throws -> T) async throws -> T {
        try await example(MainActor.shared)
    }
}
