import Foundation
import GBatchy
import GBatchySQL
import Testing

/// Cancellation storms on the reader pool and on a connection's job queue: removing a cancelled waiter must cost
/// O(1), so that cancelling every waiter of a long queue is linear in their number (issue #10).
///
/// Each test cancels all but the last of `count`, then 8× as many, waiting reads, in a random order, and compares the
/// CPU time of the cancelling loop (the cancellation handlers run in it, on one thread, so other work on the machine
/// does not blur it): linear work takes about 8× the time, the linear scans these queues had took 40× or more.
@Suite("Reader and connection queues scale", .timeLimit(.minutes(1)))
struct QueueScaleTests {
    static let count = 1_000

    /// Holds the only connection reads can use with a blocked read, queues `count` reads behind it from tasks of one
    /// batch context, cancels all but the last in a random order, then lets the blocked read finish.
    ///
    /// - Returns: The CPU time of the cancelling loop, in seconds.
    static func storm(_ db: SQLiteSource, _ count: Int) async throws -> Double {
        let (value, seconds) = try await withBatchContext {
            let blocker = DispatchSemaphore(value: 0)
            let holder = spawn { try await db.read { _ in blocker.wait() } }
            let tasks = (0..<count).map { index in spawn { try await db.read { _ in index } } }
            // Tasks of a context run in order: this one runs once every read above waits for the connection.
            let (last, seconds) = try await spawn {
                var random = SplitMix64(seed: UInt64(count))
                let order = tasks.dropLast().shuffled(using: &random)
                let start = threadCPUTime()
                for task in order { task.cancel() }
                let seconds = threadCPUTime() - start
                blocker.signal()
                return (tasks.last, seconds)
            }.value
            try await holder.value
            return (try await last?.value, seconds)
        }
        #expect(value == count - 1)
        return seconds
    }

    /// Whether a storm on `db` is linear: 8× the reads take less than 24× the CPU time (each the best of three runs),
    /// in one of three attempts.
    static func expectLinear(_ db: SQLiteSource) async throws {
        func best(_ count: Int) async throws -> Double {
            var best = Double.infinity
            for _ in 0..<3 { best = min(best, try await storm(db, count)) }
            return best
        }
        var ratios: [Double] = []
        for _ in 0..<3 {
            let small = try await best(count)
            let large = try await best(8 * count)
            ratios.append(large / small)
            if large < 24 * small { break }
        }
        #expect(ratios.contains { $0 < 24 }, "\(8 * count) reads over \(count): \(ratios)")
    }

    @Test("cancelling all but one of the reads waiting for a reader is linear in their number")
    func readerPoolStorm() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await Self.expectLinear(db)
        }
    }

    @Test("cancelling all but one of the jobs queued on a connection is linear in their number")
    func connectionStorm() async throws {
        // No reader: reads are jobs on the writer's thread, queued behind the blocked one.
        try await withTemporaryDatabase(configuration: .init(readerCount: 0)) { db, _ in
            try await Self.expectLinear(db)
        }
    }
}

/// The CPU time the calling thread has used so far, in seconds: what a synchronous loop costs, whatever else runs.
func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
