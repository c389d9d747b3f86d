import GBatchy

/// Runs one workload in a loop, to profile it with perf or callgrind.
enum Profile {
    static func run(_ workload: String, iterations: Int) async throws {
        let identity = Loader<Int, Int>(name: "identity", caching: false) { $0 }
        for _ in 0..<iterations {
            switch workload {
            case "c1": try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } }
            case "floor": await withBatchContext { await emptyChildTasks(1000) }
            case "runtime": try await RuntimeFloor.run(1000)
            case "c2": _ = await withBatchContext { await identity.loadMany(0..<1000) }
            default: fatalError("unknown workload \(workload)")
            }
        }
    }
}

/// The least a suspending load can cost on this runtime: each child task suspends on a continuation (inside a
/// cancellation handler, as every cancellable wait must) and one task resumes them all, on the context's executor.
enum RuntimeFloor {
    final class Parked: @unchecked Sendable {
        // Only touched from the context's serial executor.
        var continuations: [UnsafeContinuation<Int, any Error>] = []
        var expected = 0
    }

    static func run(_ count: Int) async throws {
        let parked = Parked()
        parked.expected = count
        try await withBatchContext {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for key in 0..<count {
                    group.addTask {
                        _ = try await withTaskCancellationHandler {
                            try await withUnsafeThrowingContinuation { continuation in
                                parked.continuations.append(continuation)
                                if parked.continuations.count == parked.expected {
                                    for (index, waiter) in parked.continuations.enumerated() {
                                        waiter.resume(returning: index)
                                    }
                                }
                            }
                        } onCancel: {}
                        return key
                    }
                }
                for try await _ in group {}
            }
        }
    }
}
