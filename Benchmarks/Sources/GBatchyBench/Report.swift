import Foundation

/// One row of the table: a workload, what was measured, the target and whether it was met.
struct Row: Sendable, Encodable {
    var id: String
    var workload: String
    var median: String
    var range: String
    var result: String
    var target: String
    var pass: Bool?
    var values: [String: Double]
}

func formatTime(_ seconds: Double) -> String {
    if seconds >= 1 { return String(format: "%.2f s", seconds) }
    if seconds >= 1e-3 { return String(format: "%.3f ms", seconds * 1e3) }
    return String(format: "%.2f µs", seconds * 1e6)
}

func row(
    _ id: String,
    _ workload: String,
    _ timing: Timing?,
    result: String,
    target: String,
    pass: Bool?,
    values: [String: Double] = [:]
) -> Row {
    var values = values
    if let timing {
        values["median_s"] = timing.median
        values["min_s"] = timing.min
        values["max_s"] = timing.max
    }
    return Row(
        id: id,
        workload: workload,
        median: timing.map { formatTime($0.median) } ?? "",
        range: timing.map { "\(formatTime($0.min)) – \(formatTime($0.max))" } ?? "",
        result: result,
        target: target,
        pass: pass,
        values: values
    )
}

func printTable(_ rows: [Row]) {
    let headers = ["id", "workload", "median", "min – max", "result", "target", "verdict"]
    let cells = rows.map { row in
        [
            row.id, row.workload, row.median, row.range, row.result, row.target,
            row.pass.map { $0 ? "PASS" : "FAIL" } ?? "—",
        ]
    }
    var widths = headers.map(\.count)
    for line in cells {
        for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func format(_ line: [String]) -> String {
        "| " + zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
            + " |"
    }
    print(format(headers))
    print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
    for line in cells { print(format(line)) }
}

func writeJSON(_ rows: [Row], to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(rows).write(to: URL(fileURLWithPath: path))
}
