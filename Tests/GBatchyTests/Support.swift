import GBatchy
import Synchronization

/// Records every batch a batch function receives, in order. Safe to use from any task.
final class BatchLog<Key: Sendable>: Sendable {
    private let batches = Mutex<[[Key]]>([])

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

    private let state = Mutex(State())

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
