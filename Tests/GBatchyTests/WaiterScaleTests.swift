import Foundation
import GBatchy
import Testing

/// Cancellation storms: removing a cancelled waiter from its queue must cost O(1), so that cancelling every waiter of
/// a long queue is linear in their number (issue #10).
///
/// Each test cancels all but the last of `count`, then 8× as many, waiting tasks, in a random order, and compares the
/// CPU time of the cancelling loop (the cancellation handlers run in it, on one thread, so other work on the machine
/// does not blur it): linear work takes about 8× the time, the linear scans these queues had took 40× or more.
@Suite("Waiter queues scale", .timeLimit(.minutes(1)))
struct WaiterScaleTests {
    static let count = 1_000

    /// Whether `storm` is linear: `storm(8 * count)` takes less than 24× the CPU time of `storm(count)` (each the
    /// best of three runs), in one of three attempts.
    static func expectLinear(_ storm: (Int) async throws -> Double) async throws {
        func best(_ count: Int) async throws -> Double {
            var best = Double.infinity
            for _ in 0..<3 { best = min(best, try await storm(count)) }
            return best
        }
        var ratios: [Double] = []
        for _ in 0..<3 {
            let small = try await best(count)
            let large = try await best(8 * count)
            ratios.append(large / small)
            if large < 24 * small { break }
        }
        #expect(ratios.contains { $0 < 24 }, "\(8 * count) waiters over \(count): \(ratios)")
    }

    /// Cancels every task but the last, in a random order, and returns the last one and the CPU time it took.
    static func cancelAllButLast<T>(_ tasks: [BatchTask<T>]) -> (last: BatchTask<T>?, seconds: Double) {
        var random = SplitMix64(seed: UInt64(tasks.count))
        let order = tasks.dropLast().shuffled(using: &random)
        let start = threadCPUTime()
        for task in order { task.cancel() }
        return (tasks.last, threadCPUTime() - start)
    }

    @Test("cancelling all but one of the tasks waiting on one batch is linear in their number")
    func batchStorm() async throws {
        let loader = Loader<Int, Int>(name: "storm", caching: false) { keys in keys.map { $0 * 10 } }
        try await Self.expectLinear { count in
            let (value, seconds) = try await withBatchContext {
                let tasks = (0..<count).map { _ in spawn { try await loader.load(7) } }
                // Tasks of a context run in order: this one runs once every task above waits on the batch.
                let (last, seconds) = try await spawn { Self.cancelAllButLast(tasks) }.value
                return (try await last?.value, seconds)
            }
            #expect(value == 70)
            return seconds
        }
    }

    @Test("cancelling all but one of the tasks waiting for a pool slot is linear in their number")
    func poolStorm() async throws {
        let pool = BatchPool(size: 1)
        try await Self.expectLinear { count in
            let (value, seconds) = try await withBatchContext {
                let gate = Gate()
                let holder = pool.spawn { await gate.wait() }
                let tasks = (0..<count).map { index in pool.spawn { index } }
                // Tasks of a context run in order: this one runs once every task above waits for the slot.
                let (last, seconds) = try await spawn { Self.cancelAllButLast(tasks) }.value
                gate.open()
                try await holder.value
                return (try await last?.value, seconds)
            }
            #expect(value == count - 1)
            return seconds
        }
    }

    @Test("cancelling all but one of the tasks waiting on a mapped future is linear in their number")
    func futureStorm() async throws {
        let (loader, _) = recordingLoader("mapped")
        try await Self.expectLinear { count in
            let (value, seconds) = try await withBatchContext {
                let future = loader.future(4).map { $0 + 1 }
                let tasks = (0..<count).map { _ in spawn { try await future.value } }
                let (last, seconds) = try await spawn { Self.cancelAllButLast(tasks) }.value
                return (try await last?.value, seconds)
            }
            #expect(value == 41)
            return seconds
        }
    }
}

/// The CPU time the calling thread has used so far, in seconds: what a synchronous loop costs, whatever else runs.
func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
