import CMallocStats
import Foundation

/// The timings of one workload: a median over repeated runs after a warm-up, with the extremes.
struct Timing: Sendable {
    var samples: [Double]  // seconds

    var median: Double {
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    var min: Double { samples.min() ?? 0 }
    var max: Double { samples.max() ?? 0 }
}

/// How long to measure: `--quick` runs each workload a few times, to prove it still runs.
struct Plan: Sendable {
    var warmups: Int
    var runs: Int
    var quick: Bool

    static let full = Plan(warmups: 10, runs: 61, quick: false)
    static let quick = Plan(warmups: 1, runs: 3, quick: true)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Runs `work` `plan.warmups` times, then `plan.runs` times measured.
func measure(_ plan: Plan, _ work: () async throws -> Void) async throws -> Timing {
    for _ in 0..<plan.warmups { try await work() }
    var samples: [Double] = []
    for _ in 0..<plan.runs {
        let start = now()
        try await work()
        samples.append(now() - start)
    }
    return Timing(samples: samples)
}

/// Measures several workloads side by side: each round runs every workload once, in turn, so that a noisy moment on
/// the machine hits all of them alike. Returns one timing per workload, in order.
func measureSideBySide(_ plan: Plan, _ workloads: [() async throws -> Void]) async throws -> [Timing] {
    for _ in 0..<plan.warmups {
        for work in workloads { try await work() }
    }
    var timings = workloads.map { _ in Timing(samples: []) }
    for _ in 0..<plan.runs {
        for (index, work) in workloads.enumerated() {
            let start = now()
            try await work()
            timings[index].samples.append(now() - start)
        }
    }
    return timings
}

/// Bytes currently allocated by malloc.
func allocatedBytes() -> Int {
    Int(gbatchy_allocated_bytes())
}

/// Resident set size, in bytes.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// A small seeded generator, so that every run draws the same keys.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
