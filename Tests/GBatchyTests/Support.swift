import GBatchy
import Foundation

/// A value behind an `NSLock`, which ThreadSanitizer understands (`Synchronization.Mutex` is invisible to it on
/// Linux). `@unchecked Sendable`: `value` is only touched inside `withLock`.
final class TestLocked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Records every batch a batch function receives, in order. Safe to use from any task.
final class BatchLog<Key: Sendable>: Sendable {
    private let batches = TestLocked<[[Key]]>([])

    func record(_ keys: [Key]) {
        batches.withLock { $0.append(keys) }
    }

    var all: [[Key]] { batches.withLock { $0 } }
}

/// A gate that tasks wait on until the test opens it. No clock involved.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    private let state = TestLocked(State())

    func wait() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let open = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A loader that records its batches and answers `key * 10`.
func recordingLoader(
    _ name: String = "tens",
    maxBatchSize: Int? = nil,
    caching: Bool = true
) -> (Loader<Int, Int>, BatchLog<Int>) {
    let log = BatchLog<Int>()
    let loader = Loader<Int, Int>(name: name, maxBatchSize: maxBatchSize, caching: caching) { keys in
        log.record(keys)
        return keys.map { $0 * 10 }
    }
    return (loader, log)
}

struct TestError: Error, Equatable {
    var id: Int = 0
}

/// A batch's keys as the default execution defines their order: as queued in a serial context; in a parallel one, where
/// concurrently running tasks queue keys in any order, sorted (the same keys, in any order).
func batchOrder<T: Comparable>(_ keys: [T]) -> [T] {
    BatchExecution.default.threads == 1 ? keys : keys.sorted()
}

/// `count` divided by `GBATCHY_TEST_SCALE` (1 by default), and at least `minimum`: the sanitizer runs of CI set 10, so
/// that the long loops of the exactness tests (1000 runs of a program) check the same things in a tenth of the runs,
/// within their time limits under ThreadSanitizer's slowdown.
func scaled(_ count: Int, minimum: Int = 1) -> Int {
    let divisor = ProcessInfo.processInfo.environment["GBATCHY_TEST_SCALE"].flatMap(Int.init) ?? 1
    return max(minimum, count / max(1, divisor))
}

/// The sealed batches of one tick (`maxBatchSize`) as the default execution defines them: as queued in a serial
/// context; in a parallel one, where concurrently running tasks queue keys in any order and so seal other keys
/// together, only their sizes and their keys: the keys sorted and cut again at the same sizes.
func sealedBatches<T: Comparable>(_ batches: [[T]]) -> [[T]] {
    guard BatchExecution.default.threads > 1 else { return batches }
    var keys = batches.joined().sorted()[...]
    return batches.map { batch in
        defer { keys = keys.dropFirst(batch.count) }
        return Array(keys.prefix(batch.count))
    }
}
