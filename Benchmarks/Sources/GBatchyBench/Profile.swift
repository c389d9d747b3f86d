import GBatchy

/// Runs one workload in a loop, to profile it with perf or callgrind.
enum Profile {
    static func run(_ workload: String, iterations: Int) async throws {
        let identity = Loader<Int, Int>(name: "identity", caching: false) { $0 }
        for _ in 0..<iterations {
            switch workload {
            case "c1": try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } }
            case "floor": await withBatchContext { await emptyChildTasks(1000) }
            case "c2": _ = await withBatchContext { await identity.loadMany(0..<1000) }
            default: fatalError("unknown workload \(workload)")
            }
        }
    }
}
