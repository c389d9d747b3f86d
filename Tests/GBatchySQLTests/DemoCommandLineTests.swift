import Foundation
import Testing

/// The command line of `gbatchy-demo`: `--help` prints the usage and runs nothing; an argument it does not know prints
/// the usage on standard error and fails. The executable is the one the crash-consistency test runs.
@Suite("gbatchy-demo's command line", .timeLimit(.minutes(1)))
struct DemoCommandLineTests {
    @Test("--help and -h print the usage on standard output, run nothing and exit 0", arguments: ["--help", "-h"])
    func help(flag: String) async throws {
        let run = try await DemoProcess.run([flag])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("usage: gbatchy-demo [COMMAND]"))
        #expect(run.output.contains("crash-writer PATH"))
        #expect(!run.output.contains("Front page"))  // the front page did not run
        #expect(run.errorOutput.isEmpty)
    }

    @Test(
        "an argument it does not know prints the error and the usage on standard error, and exits non-zero",
        arguments: [["--frobnicate"], ["seeds"], ["seed", "extra"], ["crash-writer"]]
    )
    func unknownArgument(arguments: [String]) async throws {
        let run = try await DemoProcess.run(arguments)
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.errorOutput.hasPrefix("gbatchy-demo: "))
        #expect(run.errorOutput.contains("'\(arguments.last ?? "")'") || arguments == ["crash-writer"])
        #expect(run.errorOutput.contains("usage: gbatchy-demo [COMMAND]"))
    }
}

/// Runs `gbatchy-demo` to its end.
enum DemoProcess {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs the demo with `arguments` and returns its exit status and what it wrote. Standard error goes to a file,
    /// so that neither output can fill a pipe and block the demo; the blocking read runs on a thread of its own, not
    /// on the cooperative pool.
    static func run(_ arguments: [String]) async throws -> Run {
        let executable = try #require(
            CrashWriterProcess.executable(),
            "no gbatchy-demo beside the test bundle (run `swift build`, or set GBATCHY_CRASH_WRITER)"
        )
        return try await withTemporaryDirectory { directory in
            let errorURL = directory.appendingPathComponent("stderr")
            return try await withCheckedThrowingContinuation { continuation in
                Thread {
                    continuation.resume(with: Result { try runBlocking(executable, arguments, errorURL: errorURL) })
                }.start()
            }
        }
    }

    private static func runBlocking(_ executable: URL, _ arguments: [String], errorURL: URL) throws -> Run {
        try Data().write(to: errorURL)
        let errorFile = try FileHandle(forWritingTo: errorURL)
        defer { try? errorFile.close() }
        let output = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errorFile
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            // Through the file handle: `Data(contentsOf:)` leaks its buffer on an empty file (LeakSanitizer).
            errorOutput: String(decoding: try FileHandle(forReadingFrom: errorURL).readToEnd() ?? Data(), as: UTF8.self)
        )
    }
}
