import Foundation
import GBatchy
import Testing

/// A serial and a parallel context form the same batches: random programs of the model-based stress test (nested
/// loads, `loadMany`, futures, `spawn`, pools, `maxBatchSize`, caching on and off, failures), each run many times in
/// each execution, give the same keys to the same loaders in the same ticks. Serial runs also give the same order.
///
/// `GBATCHY_EXECUTION_RUNS` sets the runs per execution (1000 by default).
@Suite("Serial and parallel contexts form the same batches", .timeLimit(.minutes(5)))
struct ExecutionModeTests {
    static let runs = ProcessInfo.processInfo.environment["GBATCHY_EXECUTION_RUNS"].flatMap(Int.init) ?? 1000

    /// What a run dispatched: for each tick and loader, the keys of its batches and how many batches there were.
    struct Signature: Equatable, CustomStringConvertible {
        /// (tick, loader) → (every key of the tick's batches, sorted; the number of batches).
        var batches: [[Int]: (keys: [Int], count: Int)] = [:]

        static func == (lhs: Signature, rhs: Signature) -> Bool {
            lhs.batches.count == rhs.batches.count
                && lhs.batches.allSatisfy { entry in
                    rhs.batches[entry.key].map { $0.keys == entry.value.keys && $0.count == entry.value.count } ?? false
                }
        }

        var description: String {
            batches.keys.sorted { $0.lexicographicallyPrecedes($1) }
                .map { "tick \($0[0]) L\($0[1]): \(batches[$0]!.count) batches \(batches[$0]!.keys)" }
                .joined(separator: "; ")
        }
    }

    static func signature(_ batches: [World.Batch]) -> Signature {
        var signature = Signature()
        for batch in batches {
            signature.batches[[batch.tick, batch.loader], default: ([], 0)].keys += batch.keys
            signature.batches[[batch.tick, batch.loader], default: ([], 0)].count += 1
        }
        for key in signature.batches.keys { signature.batches[key]!.keys.sort() }
        return signature
    }

    /// Runs `program` once in `execution` and returns the batches it dispatched, in the order they ran.
    static func batches(of program: Program, in execution: BatchExecution) async throws -> [World.Batch] {
        let world = World()
        _ = try await withBatchContext(execution) { try await program.run(in: world) }
        return world.log.all.flatMap { $0 }
    }

    @Test("random programs: the same batches in every run, serial or parallel", arguments: [UInt64(1), 2, 3])
    func sameBatches(seed: UInt64) async throws {
        var generator = SplitMix64(seed: seed)
        // Four random programs at once in one context: a few dozen batches over several ticks.
        let roots = (0..<4).map { _ in Program.random(context: 0, using: &generator).root }
        let program = Program(context: 0, root: .concurrently(roots))
        let reference = try await Self.batches(of: program, in: .serial)
        let signature = Self.signature(reference)
        #expect(reference.count > 10, "the program dispatches batches")
        for run in 0..<Self.runs {
            let serial = try await Self.batches(of: program, in: .serial)
            try #require(
                serial.map { [$0.tick, $0.loader] + $0.keys } == reference.map { [$0.tick, $0.loader] + $0.keys },
                "seed \(seed), serial run \(run)"
            )
            let parallel = Self.signature(try await Self.batches(of: program, in: .parallel(2)))
            try #require(
                parallel == signature,
                "seed \(seed), parallel run \(run):\n\(parallel)\nserial:\n\(signature)"
            )
        }
    }

    @Test("a parallel context runs its tasks on more than one thread at once")
    func runsInParallel() async {
        // Two tasks each wait, without suspending, until the other has started: only two threads can finish.
        let started = Atomic2()
        let sawBoth = await withBatchContext(.parallel(2)) {
            async let first = started.arriveAndWaitForBoth()
            async let second = started.arriveAndWaitForBoth()
            return await [first, second]
        }
        #expect(sawBoth == [true, true], "each task saw the other start while it ran")
    }

    @Test("the execution: the default, parsing GBATCHY_EXECUTION, and what a nested call keeps")
    func execution() async throws {
        #expect(BatchExecution.serial.threads == 1)
        #expect(BatchExecution.parallel(0).threads == 1)
        #expect(BatchExecution.parallel(3).description == "parallel(3)")
        #expect(BatchExecution.parallel.threads >= 1)
        let inner = await withBatchContext(.parallel(2)) {
            await withBatchContext(.serial) { BatchContext.current?.execution }
        }
        #expect(inner == .parallel(2), "a nested call joins the outer context")
    }
}

/// Counts arrivals; `arriveAndWaitForBoth` spins (yielding the thread, never suspending the task) until two arrived.
final class Atomic2: Sendable {
    private let arrived = TestLocked(0)

    var count: Int { arrived.withLock { $0 } }

    /// Returns whether both arrived within 10 seconds.
    func arriveAndWaitForBoth() async -> Bool {
        arrived.withLock { $0 += 1 }
        let deadline = Date().addingTimeInterval(10)
        while arrived.withLock({ $0 }) < 2 {
            if Date() > deadline { return false }
            sched_yield()
        }
        return true
    }
}
