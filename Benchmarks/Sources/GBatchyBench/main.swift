import CMallocStats
import Foundation

let arguments: BenchArguments
do {
    arguments = try BenchArguments.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("gbatchy-bench: \(error.message)\n\n\(BenchArguments.usage)".utf8))
    exit(2)
}
if arguments.mode == .help {
    print(BenchArguments.usage, terminator: "")
    exit(0)
}
let plan = arguments.quick ? Plan.quick : Plan.full
let jsonPath = arguments.jsonPath

#if DEBUG
    print("note: a debug build; run `swift run -c release gbatchy-bench` for real figures")
#endif

if arguments.mode == .measureMemory {
    // Runs in a child process: one malloc arena makes mallinfo2 see every thread's allocations, but slows the
    // timed rows, so they never share a process with it.
    gbatchy_use_single_arena()
    let (perLoad, perContext) = try await CoreBenchmarks(plan: plan).memoryPerPendingLoad(count: 100_000)
    print("\(perLoad) \(perContext)")
    exit(0)
}

if case .profile(let workload) = arguments.mode {
    // Runs one workload in a loop, for perf or callgrind.
    try await Profile.run(workload, iterations: Int(ProcessInfo.processInfo.environment["ITER"] ?? "2000") ?? 2000)
    exit(0)
}

let start = now()
var rows: [Row] = []
if arguments.mode == .keys {
    rows = try await keyBindingRows(path: try SQLBenchmarks.prepareDatabase(quick: plan.quick), quick: plan.quick)
    printTable(rows)
    if let jsonPath { try writeJSON(rows, to: jsonPath) }
    exit(0)
}
func runs(_ group: String) -> Bool { arguments.only.map { $0 == group } ?? true }
if runs("core") || runs("sql") {
    let core = try await CoreBenchmarks(plan: plan).run()
    if runs("core") { rows += core.rows }
    if runs("sql") {
        let sqlPath = try SQLBenchmarks.prepareDatabase(quick: plan.quick)
        rows += try await SQLBenchmarks(plan: plan, c1Floor: core.c1Floor, path: sqlPath).run()
    }
}
if runs("graphql") { rows += try await GraphQLBenchmarks(plan: plan).run() }
if runs("postgres") {
    let availability = PostgresBenchmarks.availability
    if availability.runsTests || arguments.only == "postgres" {
        rows += try await PostgresBenchmarks(plan: plan).run()
    } else {
        print("note: the PostgreSQL rows (P…) are skipped: \(availability.description)")
    }
}
printTable(rows)
if let jsonPath { try writeJSON(rows, to: jsonPath) }
print(String(format: "finished in %.1f s", now() - start))
let failed = rows.filter { $0.pass == false }.map(\.id)
print(failed.isEmpty ? "all targets met" : "targets missed: \(failed.joined(separator: ", "))")
