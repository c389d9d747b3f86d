import Foundation
import GBatchy
import Synchronization

/// C1–C6: the batching core on an identity batch function, caching off unless stated.
struct CoreBenchmarks {
    let plan: Plan
    let identity = Loader<Int, Int>(name: "identity", caching: false) { $0 }

    func run() async throws -> (rows: [Row], c1Floor: Double) {
        var rows: [Row] = []
        let identity = identity

        // C1, its floors and the two window loaders, side by side.
        let window = WindowLoader<Int, Int> { $0 }
        let actorWindow = ActorWindowLoader<Int, Int> { $0 }
        let timings = try await measureSideBySide(
            plan,
            [
                { try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } } },
                { await withBatchContext { await emptyChildTasks(1000) } },
                { await emptyChildTasks(1000) },
                { try await SuspensionFloor.run(1000) },
                { try await concurrentLoads(1000) { try await window.load($0) } },
                { try await concurrentLoads(1000) { try await actorWindow.load($0) } },
                {
                    try await withBatchContext(.parallel) {
                        try await concurrentLoads(1000) { try await identity.load($0) }
                    }
                },
            ]
        )
        let (c1, floorInContext, floorGlobal, suspension) = (timings[0], timings[1], timings[2], timings[3])
        let (windowed, actorWindowed) = (timings[4], timings[5])
        let c1RatioContext = c1.median / floorInContext.median
        let c1RatioGlobal = c1.median / floorGlobal.median
        let c1RatioSuspension = c1.median / suspension.median
        let parallel = timings[6]
        let parallelRatioSuspension = parallel.median / suspension.median
        rows.append(
            row(
                "C1",
                "1000 concurrent loads in one context",
                c1,
                result: String(
                    format: "%.2f× C1s (%.2f× ctx floor, %.2f× global floor)",
                    c1RatioSuspension,
                    c1RatioContext,
                    c1RatioGlobal
                ),
                target: "≤ 1.15× C1s",
                pass: c1RatioSuspension <= 1.15,
                values: [
                    "ratio_context_floor": c1RatioContext, "ratio_global_floor": c1RatioGlobal,
                    "ratio_suspension_floor": c1RatioSuspension,
                ]
            )
        )
        rows.append(
            row(
                "C1p",
                "the same in a parallel context",
                parallel,
                result: String(format: "%.2f× C1s, %.2f× C1", parallelRatioSuspension, parallel.median / c1.median),
                target: "≤ 1.15× C1s",
                pass: parallelRatioSuspension <= 1.15,
                values: ["ratio_suspension_floor": parallelRatioSuspension, "ratio_c1": parallel.median / c1.median]
            )
        )
        rows.append(
            row(
                "C1f",
                "floor: 1000 empty child tasks, in a context",
                floorInContext,
                result: "",
                target: "(reference)",
                pass: nil
            )
        )
        rows.append(
            row(
                "C1g",
                "floor: 1000 empty child tasks, no context",
                floorGlobal,
                result: "",
                target: "(reference)",
                pass: nil
            )
        )
        let suspensionRatio = suspension.median / floorInContext.median
        rows.append(
            row(
                "C1s",
                "floor: 1000 cancellable suspensions, in a context",
                suspension,
                result: String(format: "%.2f× ctx floor", suspensionRatio),
                target: "(reference)",
                pass: nil,
                values: ["ratio_context_floor": suspensionRatio]
            )
        )
        let speedup = windowed.median / c1.median
        rows.append(
            row(
                "C1b",
                "1000 loads, 2 ms-window loader",
                windowed,
                result: String(format: "GBatchy %.1f× faster", speedup),
                target: "(reference)",
                pass: nil,
                values: ["speedup": speedup]
            )
        )
        let actorSpeedup = actorWindowed.median / c1.median
        rows.append(
            row(
                "C1c",
                "1000 loads, 2 ms window, DataLoader's design",
                actorWindowed,
                result: String(format: "GBatchy %.1f× faster", actorSpeedup),
                target: "(reference)",
                pass: nil,
                values: ["speedup": actorSpeedup]
            )
        )

        // C2: loadMany, no task per key.
        let c2Timings = try await measureSideBySide(
            plan,
            [
                { _ = await withBatchContext { await identity.loadMany(0..<1000) } },
                { try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } } },
            ]
        )
        let c2Ratio = c2Timings[0].median / c2Timings[1].median
        rows.append(
            row(
                "C2",
                "loadMany(1000)",
                c2Timings[0],
                result: String(format: "%.3f× C1", c2Ratio),
                target: "≤ 0.1× C1",
                pass: c2Ratio <= 0.1,
                values: ["ratio_c1": c2Ratio]
            )
        )

        // C3: 100,000 loads in one tick.
        let bigCount = plan.quick ? 10_000 : 100_000
        let c3Timings = try await measureSideBySide(
            Plan(warmups: 1, runs: plan.quick ? 2 : 7, quick: plan.quick),
            [
                { try await withBatchContext { try await concurrentLoads(bigCount) { try await identity.load($0) } } },
                { try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } } },
            ]
        )
        let perLoadBig = c3Timings[0].median / Double(bigCount)
        let perLoadC1 = c3Timings[1].median / 1000
        let c3Ratio = perLoadBig / perLoadC1
        rows.append(
            row(
                "C3",
                "\(bigCount) concurrent loads in one tick",
                c3Timings[0],
                result: String(format: "%.0f ns/load, %.2f× C1's", perLoadBig * 1e9, c3Ratio),
                target: "≤ 1.3× C1 per load",
                pass: c3Ratio <= 1.3,
                values: ["ratio_c1_per_load": c3Ratio]
            )
        )

        // C4: memory per pending load and per context.
        let (perPending, perContext) = try measureMemoryInChildProcess()
        rows.append(
            row(
                "C4",
                "memory per pending load (future)",
                nil,
                result: "\(perPending) B/load; a context adds \(perContext) B",
                target: "≤ 256 B per pending load",
                pass: perPending > 0 && perPending <= 256,
                values: ["bytes_per_pending_load": Double(perPending), "bytes_per_context": Double(perContext)]
            )
        )

        // C5: a 3-level tree, called from nonisolated code and from the main actor (a barrier per tick).
        let (c5, c5Main, rounds, mainRounds) = try await tree()
        rows.append(
            row(
                "C5",
                "3-level tree 10 → 100 → 1000",
                c5,
                result: "\(rounds) rounds",
                target: "exactly 3 rounds",
                pass: rounds == 3,
                values: ["rounds": Double(rounds)]
            )
        )
        let mainRatio = c5Main.median / c5.median
        rows.append(
            row(
                "C5m",
                "the same tree, withBatchContext on the main actor",
                c5Main,
                result: String(format: "%d rounds, %.2f× C5", mainRounds, mainRatio),
                target: "exactly 3 rounds",
                pass: mainRounds == 3,
                values: ["rounds": Double(mainRounds), "ratio_c5": mainRatio]
            )
        )

        // C6: many contexts.
        let contexts = plan.quick ? 100 : 1000
        let c6 = try await measure(plan) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for request in 0..<contexts {
                    group.addTask {
                        try await withBatchContext {
                            try await concurrentLoads(10) { try await identity.load(request * 10 + $0) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let perSecond = Double(contexts) / c6.median
        rows.append(
            row(
                "C6",
                "\(contexts) concurrent contexts × 10 loads",
                c6,
                result: String(format: "%.0f contexts/s", perSecond),
                target: "(report)",
                pass: nil,
                values: ["contexts_per_second": perSecond]
            )
        )
        rows += try await cpuHeavyTree()
        return (rows, floorInContext.median)
    }

    /// C7: the 3-level tree with a few microseconds of the callers' own work after each load, in a serial and in a
    /// parallel context: one request on an idle machine (latency), and 64 at once (throughput).
    private func cpuHeavyTree() async throws -> [Row] {
        let root = Self.cpuHeavyTreeRoot()
        let threads = BatchExecution.parallel.threads
        func request(_ execution: BatchExecution) async throws {
            let ticks = try await withBatchContext(execution) {
                _ = try await pmap(0..<10) { try await root.load($0) }
                return BatchContext.current?.statistics.ticks ?? 0
            }
            guard ticks == 3 else { throw BenchmarkFailure("C7: \(ticks) ticks in \(execution), expected 3") }
        }
        func requests(_ count: Int, _ execution: BatchExecution) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<count { group.addTask { try await request(execution) } }
                try await group.waitForAll()
            }
        }
        let latency = try await measureSideBySide(
            plan,
            [{ try await request(.serial) }, { try await request(.parallel) }]
        )
        let concurrent = plan.quick ? 16 : 64
        let load = try await measureSideBySide(
            plan,
            [{ try await requests(concurrent, .serial) }, { try await requests(concurrent, .parallel) }]
        )
        let latencyRatio = latency[1].median / latency[0].median
        let throughputRatio = load[0].median / load[1].median
        return [
            row(
                "C7",
                "CPU-heavy tree (1000 loads, ~5 µs work each): parallel(\(threads)) vs serial, one request",
                latency[1],
                result: String(
                    format: "%.2f× serial (%.0f µs vs %.0f µs)",
                    latencyRatio,
                    latency[1].median * 1e6,
                    latency[0].median * 1e6
                ),
                target: "≤ 0.65× serial",
                pass: latencyRatio <= 0.65,
                values: ["ratio_serial": latencyRatio, "serial_s": latency[0].median]
            ),
            row(
                "C7t",
                "the same tree, \(concurrent) requests at once: parallel vs serial throughput",
                load[1],
                result: String(format: "%.2f× serial's requests/s", throughputRatio),
                target: "≥ 0.95× serial",
                pass: throughputRatio >= 0.95,
                values: ["ratio_serial": throughputRatio, "serial_s": load[0].median]
            ),
        ]
    }

    /// The 3-level tree of ``treeRoot()`` where every load is made by a task of its own that then works for a few
    /// microseconds, as a GraphQL resolver does around its loads.
    static func cpuHeavyTreeRoot() -> Loader<Int, Int> {
        let leaf = Loader<Int, Int>(name: "leaf", caching: false) { $0 }
        let middle = Loader<Int, Int>(name: "middle", caching: false) { keys in
            try await pmap(keys) { key in
                try await pmap(0..<10) { work(seed: try await leaf.load(key * 10 + $0)) }.reduce(0, &+)
            }
        }
        return Loader<Int, Int>(name: "root", caching: false) { keys in
            try await pmap(keys) { key in
                try await pmap(0..<10) { work(seed: try await middle.load(key * 10 + $0)) }.reduce(0, &+)
            }
        }
    }

    private func tree() async throws -> (Timing, Timing, Int, Int) {
        let root = Self.treeRoot()
        let rounds = Mutex((0, 0))
        let timings = try await measureSideBySide(
            plan,
            [
                {
                    let ticks = try await withBatchContext {
                        try await concurrentLoads(10) { try await root.load($0) }
                        return BatchContext.current!.statistics.ticks
                    }
                    rounds.withLock { $0.0 = ticks }
                },
                {
                    let ticks = try await treeOnMainActor(root)
                    rounds.withLock { $0.1 = ticks }
                },
            ]
        )
        let (nonisolated, onMainActor) = rounds.withLock { $0 }
        return (timings[0], timings[1], nonisolated, onMainActor)
    }

    /// The root of the 3-level tree: 10 roots → 100 middles → 1000 leaves, each level a loader whose batch function
    /// loads the next level.
    static func treeRoot() -> Loader<Int, Int> {
        let leaf = Loader<Int, Int>(name: "leaf", caching: false) { $0 }
        let middle = Loader<Int, [Int]>(name: "middle", caching: false) { keys in
            try await pmap(keys) { key in try await leaf.loadAll((0..<10).map { key * 10 + $0 }) }
        }
        return Loader<Int, Int>(name: "root", caching: false) { keys in
            try await pmap(keys) { key in try await middle.loadAll((0..<10).map { key * 10 + $0 }).count }
        }
    }

    /// The tree with `withBatchContext` called from the main actor, as top-level code and UI code call it.
    @MainActor
    private func treeOnMainActor(_ root: Loader<Int, Int>) async throws -> Int {
        try await withBatchContext {
            try await concurrentLoads(10) { try await root.load($0) }
            return BatchContext.current!.statistics.ticks
        }
    }

    /// Allocated bytes per queued key (a future: no task per key), and per context.
    func memoryPerPendingLoad(count: Int) async throws -> (Int, Int) {
        let identity = identity
        // Per context: 1000 suspended tasks, each in a context of its own with one load done, against 1000 suspended
        // tasks with no context. Measured first, before anything else has been allocated and freed.
        let contexts = 1000
        let withContext = try await bytesHeld(by: contexts) { gate in
            try await withBatchContext {
                _ = try await identity.load(1)
                await gate.arrive()
            }
        }
        let withoutContext = try await bytesHeld(by: contexts) { gate in await gate.arrive() }
        let perContext = (withContext - withoutContext) / contexts
        let perLoad = try await withBatchContext {
            // Warm up the loader's queue in this context so that its one-time allocations are not counted.
            _ = try await identity.load(-1)
            var futures: [BatchFuture<Int>] = []
            futures.reserveCapacity(count)
            let before = allocatedBytes()
            for key in 0..<count { futures.append(identity.future(key)) }
            let pending = allocatedBytes() - before
            _ = try await pget(futures)
            return pending / count
        }
        return (perLoad, perContext)
    }

    /// The bytes allocated while `count` tasks running `task` are all suspended at the gate.
    private func bytesHeld(by count: Int, _ task: @escaping @Sendable (Gate) async throws -> Void) async throws -> Int {
        let gate = Gate(expected: count)
        let before = allocatedBytes()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { try await task(gate) }
            }
            await gate.waitForAll()
            let delta = allocatedBytes() - before
            gate.release()
            try await group.waitForAll()
            return delta
        }
    }
}

/// Runs `count` loads concurrently in a task group.
func concurrentLoads(_ count: Int, _ load: @escaping @Sendable (Int) async throws -> Int) async throws {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for key in 0..<count {
            group.addTask { try await load(key) }
        }
        var sum = 0
        for try await value in group { sum &+= value }
    }
}

/// Runs `count` empty child tasks in a task group: the floor of C1.
func emptyChildTasks(_ count: Int) async {
    await withTaskGroup(of: Int.self) { group in
        for key in 0..<count {
            group.addTask { key }
        }
        var sum = 0
        for await value in group { sum &+= value }
        precondition(sum == (0..<count).reduce(0, +))
    }
}

/// Lets the benchmark know when `expected` tasks have arrived, and holds them until released.
final class Gate: Sendable {
    private struct State {
        var arrived = 0
        var held: [UnsafeContinuation<Void, Never>] = []
        var watcher: UnsafeContinuation<Void, Never>?
        var released = false
    }

    private let expected: Int
    private let state = Mutex(State())

    init(expected: Int) {
        self.expected = expected
    }

    func arrive() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let (watcher, released) = state.withLock { state -> (UnsafeContinuation<Void, Never>?, Bool) in
                if state.released { return (nil, true) }
                state.arrived += 1
                state.held.append(continuation)
                guard state.arrived == expected else { return (nil, false) }
                defer { state.watcher = nil }
                return (state.watcher, false)
            }
            if released { continuation.resume() }
            watcher?.resume()
        }
    }

    func waitForAll() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.arrived >= expected { return true }
                state.watcher = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func release() {
        let held = state.withLock { state in
            state.released = true
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }
}

/// Runs `gbatchy-bench --measure-memory` and reads its two numbers: bytes per pending load and per context.
func measureMemoryInChildProcess() throws -> (Int, Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--measure-memory"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    guard process.terminationStatus == 0, numbers.count == 2 else { return (-1, -1) }
    return (numbers[0], numbers[1])
}

/// About 5 µs of arithmetic on one core, never optimised away: a caller's own work between loads.
@inline(never)
func work(seed: Int) -> Int {
    var state = UInt64(truncatingIfNeeded: seed) &+ 0x9E37_79B9_7F4A_7C15
    for _ in 0..<2_000 {
        state = (state ^ (state >> 31)) &* 0xBF58_476D_1CE4_E5B9
    }
    return Int(truncatingIfNeeded: state & 0xFF)
}

/// A workload that did not do what it measures (a wrong number of ticks): the run stops.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
