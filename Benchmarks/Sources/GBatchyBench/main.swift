import Foundation

let arguments = CommandLine.arguments.dropFirst()
let plan = arguments.contains("--quick") ? Plan.quick : Plan.full
let jsonPath = arguments.firstIndex(of: "--json").flatMap { index in
    arguments.index(after: index) < arguments.endIndex ? arguments[arguments.index(after: index)] : nil
}

#if DEBUG
print("note: a debug build; run `swift run -c release gbatchy-bench` for real figures")
#endif

if let index = arguments.firstIndex(of: "--profile") {
    // Runs one workload in a loop, for perf or callgrind.
    let workload = arguments[arguments.index(after: index)]
    try await Profile.run(workload, iterations: 2000)
    exit(0)
}

let start = now()
var rows: [Row] = []
let core = try await CoreBenchmarks(plan: plan).run()
rows += core.rows
printTable(rows)
if let jsonPath { try writeJSON(rows, to: jsonPath) }
print(String(format: "finished in %.1f s", now() - start))
let failed = rows.filter { $0.pass == false }.map(\.id)
print(failed.isEmpty ? "all targets met" : "targets missed: \(failed.joined(separator: ", "))")
