import Foundation
import GBatchy
import GBatchySQL
import Synchronization

/// G0–G2: a GraphQL query (Graphiti over the Chinook fixture, ``ChinookAPI/benchmarkQuery``) resolved through
/// GBatchy's table loaders in a serial and in a parallel context, against the same schema resolved from memory with no
/// loader and no context (the floor).
struct GraphQLBenchmarks {
    let plan: Plan

    func run() async throws -> [Row] {
        try await ChinookDatabase.withDatabase { db in try await run(db) }
    }

    private func run(_ db: SQLiteSource) async throws -> [Row] {
        let api = try ChinookAPI()
        let memory = try await MemoryChinookStore.load(from: db)
        let loaders = LoaderChinookStore(db: db)
        let parallel = BatchExecution.parallel
        let load = loadAverage()

        var rows = [try await verify(api, db: db, memory: memory, loaders: loaders, executions: [.serial, parallel])]
        db.queryLog.isEnabled = false
        defer { db.queryLog.isEnabled = true }

        let query = ChinookAPI.benchmarkQuery
        let floor: @Sendable () async throws -> Void = { try await api.request(query, store: memory) }
        func gbatchy(_ execution: BatchExecution) -> @Sendable () async throws -> Void {
            { try await withBatchContext(execution) { try await api.request(query, store: loaders) } }
        }

        // G1: one request at a time.
        let single = plan.quick ? plan : Plan(warmups: 3, runs: 31, quick: false)
        let singleCPU = CPUAccount(count: 3)
        let latency = try await measureSideBySide(
            single,
            [
                singleCPU.metered(0, floor), singleCPU.metered(1, gbatchy(.serial)),
                singleCPU.metered(2, gbatchy(parallel)),
            ]
        )
        rows.append(
            row(
                "G1f",
                "GraphQL floor: the same schema from memory, one request",
                latency[0],
                result: String(format: "CPU %.0f ms/request; load average %.1f at start", singleCPU[0] * 1e3, load),
                target: "(reference)",
                pass: nil,
                values: ["load_average": load, "cpu_s": singleCPU[0]]
            )
        )
        for (index, execution) in [BatchExecution.serial, parallel].enumerated() {
            let ratio = latency[index + 1].median / latency[0].median
            let cpuRatio = singleCPU[index + 1] / singleCPU[0]
            rows.append(
                row(
                    index == 0 ? "G1" : "G1p",
                    "GraphQL over Chinook, one request: GBatchy \(execution)",
                    latency[index + 1],
                    result: String(format: "%.2f× floor (CPU %.2f× floor's)", ratio, cpuRatio),
                    target: "≤ 1.1× floor",
                    pass: ratio <= 1.1,
                    values: [
                        "ratio_floor": ratio, "floor_s": latency[0].median, "cpu_s": singleCPU[index + 1],
                        "cpu_ratio_floor": cpuRatio,
                    ]
                )
            )
        }

        // G2: many requests at once (throughput).
        let concurrent = plan.quick ? 16 : 64
        func requests(_ request: @escaping @Sendable () async throws -> Void) -> () async throws -> Void {
            {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<concurrent { group.addTask { try await request() } }
                    try await group.waitForAll()
                }
            }
        }
        let many = plan.quick ? Plan(warmups: 0, runs: 3, quick: true) : Plan(warmups: 1, runs: 5, quick: false)
        let manyCPU = CPUAccount(count: 3)
        let throughput = try await measureSideBySide(
            many,
            [
                manyCPU.metered(0, requests(floor)), manyCPU.metered(1, requests(gbatchy(.serial))),
                manyCPU.metered(2, requests(gbatchy(parallel))),
            ]
        )
        let floorRate = Double(concurrent) / throughput[0].median
        let floorCPU = manyCPU[0] / Double(concurrent)
        rows.append(
            row(
                "G2f",
                "GraphQL floor, \(concurrent) requests at once",
                throughput[0],
                result: String(format: "%.1f requests/s, CPU %.0f ms/request", floorRate, floorCPU * 1e3),
                target: "(reference)",
                pass: nil,
                values: ["requests_per_second": floorRate, "cpu_s_per_request": floorCPU]
            )
        )
        for (index, execution) in [BatchExecution.serial, parallel].enumerated() {
            let rate = Double(concurrent) / throughput[index + 1].median
            let ratio = rate / floorRate
            let cpuRatio = manyCPU[index + 1] / manyCPU[0]
            rows.append(
                row(
                    index == 0 ? "G2" : "G2p",
                    "GraphQL, \(concurrent) requests at once: GBatchy \(execution)",
                    throughput[index + 1],
                    result: String(
                        format: "%.2f× floor's requests/s (%.1f/s; CPU %.2f× floor's)",
                        ratio,
                        rate,
                        cpuRatio
                    ),
                    target: "≥ 0.95× floor",
                    pass: ratio >= 0.95,
                    values: [
                        "ratio_floor": ratio, "requests_per_second": rate,
                        "cpu_s_per_request": manyCPU[index + 1] / Double(concurrent), "cpu_ratio_floor": cpuRatio,
                    ]
                )
            )
        }
        return rows
    }

    /// G0: GBatchy's answer is the floor's, byte for byte, for 10 and for 100 albums in every execution, and each
    /// request runs the same statements whatever the number of albums: ``LoaderChinookStore/queriesPerRequest``
    /// queries in ``LoaderChinookStore/ticksPerRequest`` ticks, each tick's in one read transaction. A different answer
    /// stops the run: the timings would not measure the same work.
    private func verify(
        _ api: ChinookAPI,
        db: SQLiteSource,
        memory: MemoryChinookStore,
        loaders: LoaderChinookStore,
        executions: [BatchExecution]
    ) async throws -> Row {
        // The loaders' first batches read the tables' columns once (cached afterwards): not a request's statements.
        _ = try await withBatchContext { try await api.request(ChinookAPI.benchmarkQuery, store: loaders) }
        var queries: Set<Int> = []
        var statements: Set<Int> = []
        var ticks: Set<Int> = []
        var shape = (bytes: 0, albums: 0, tracks: 0)
        for first in [10, 100] {
            let query = ChinookAPI.benchmarkQuery.replacingOccurrences(of: "first: 100", with: "first: \(first)")
            let expected = try await api.json(query, store: memory)
            for execution in executions {
                db.queryLog.clear()
                let (json, tickCount) = try await withBatchContext(execution) {
                    (try await api.json(query, store: loaders), BatchContext.current?.statistics.ticks ?? -1)
                }
                guard json == expected else {
                    throw BenchError(
                        "G0: albums(first: \(first)) through GBatchy (\(execution)) answers \(json.count) bytes that "
                            + "differ from the in-memory floor's \(expected.count)"
                    )
                }
                let entries = db.queryLog.entries
                queries.insert(entries.filter { $0.sql.hasPrefix("SELECT") }.count)
                statements.insert(entries.count)
                ticks.insert(tickCount)
            }
            if first == 100 {
                let (albums, tracks) = try Self.count(in: expected)
                shape = (expected.count, albums, tracks)
            }
        }
        func list(_ counts: Set<Int>) -> String { counts.sorted().map(String.init).joined(separator: " or ") }
        return row(
            "G0",
            "GraphQL query (Graphiti, Chinook): statements per request",
            nil,
            result: "\(list(queries)) queries (\(list(statements)) statements with BEGIN/COMMIT) in \(list(ticks)) "
                + "ticks; JSON = floor's (\(shape.bytes) B, \(shape.albums) albums, \(shape.tracks) tracks)",
            target: "\(LoaderChinookStore.queriesPerRequest) queries in \(LoaderChinookStore.ticksPerRequest) ticks, "
                + "for 10 or 100 albums",
            pass: queries == [LoaderChinookStore.queriesPerRequest] && statements.count == 1
                && ticks == [LoaderChinookStore.ticksPerRequest],
            values: [
                "queries": Double(queries.max() ?? 0), "statements": Double(statements.max() ?? 0),
                "ticks": Double(ticks.max() ?? 0),
            ]
        )
    }

    /// The albums and tracks in a result of ``ChinookAPI/benchmarkQuery``.
    private static func count(in json: Data) throws -> (albums: Int, tracks: Int) {
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let data = object?["data"] as? [String: Any]
        guard let albums = data?["albums"] as? [[String: Any]] else {
            throw BenchError("G0: the GraphQL result has no `data.albums` list")
        }
        return (albums.count, albums.reduce(0) { $0 + (($1["tracks"] as? [Any])?.count ?? 0) })
    }
}

/// The process CPU time (user and system) that each of several workloads takes per call, the calls running one at a
/// time as ``measureSideBySide(_:_:)`` runs them: on a loaded machine, the work a workload does, whatever the wall
/// time it was given.
final class CPUAccount: Sendable {
    private let totals: Mutex<[(seconds: Double, calls: Int)]>

    init(count: Int) {
        totals = Mutex(Array(repeating: (0, 0), count: count))
    }

    /// `work`, adding the CPU time of each call to the workload `index`.
    func metered(_ index: Int, _ work: @escaping () async throws -> Void) -> () async throws -> Void {
        {
            let start = processCPUTime()
            try await work()
            let spent = processCPUTime() - start
            self.totals.withLock {
                $0[index].seconds += spent; $0[index].calls += 1
            }
        }
    }

    /// The mean CPU time of one call of the workload `index`, in seconds; 0 before its first call.
    subscript(index: Int) -> Double {
        totals.withLock { $0[index].calls > 0 ? $0[index].seconds / Double($0[index].calls) : 0 }
    }
}

/// The CPU time (user and system) the process has used, in seconds.
func processCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The system's one-minute load average, or -1 where it cannot be read.
func loadAverage() -> Double {
    var averages = [Double](repeating: -1, count: 3)
    return getloadavg(&averages, 3) > 0 ? averages[0] : -1
}
