import GBatchy

/// The least a cancellable suspension costs on this runtime, the reference row C1s: in a context, each of `count`
/// child tasks suspends on a continuation inside a cancellation handler, as every cancellable wait must, and the last
/// one to arrive resumes them all. No keys, no batch, no cache: what is left between this floor and C1 is GBatchy's
/// own bookkeeping.
///
/// The handler is registered on the caller's executor, as GBatchy registers its own: the standard
/// `withTaskCancellationHandler` adds two executor switches per wait (about 0.1× the empty-task floor here).
enum SuspensionFloor {
    /// The parked continuations. Only touched by the context's jobs, which run one at a time.
    private final class Parked: @unchecked Sendable {
        var continuations: [UnsafeContinuation<Int, any Error>] = []
        let expected: Int

        init(expected: Int) {
            self.expected = expected
            continuations.reserveCapacity(expected)
        }
    }

    static func run(_ count: Int) async throws {
        let parked = Parked(expected: count)
        try await withBatchContext {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for key in 0..<count {
                    group.addTask {
                        _ = try await _unsafeInheritExecutor_withTaskCancellationHandler {
                            try await withUnsafeThrowingContinuation { continuation in
                                parked.continuations.append(continuation)
                                if parked.continuations.count == parked.expected {
                                    for (index, waiter) in parked.continuations.enumerated() {
                                        waiter.resume(returning: index)
                                    }
                                }
                            }
                        } onCancel: {
                        }
                        return key
                    }
                }
                for try await _ in group {}
            }
        }
    }
}
