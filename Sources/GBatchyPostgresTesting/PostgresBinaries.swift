import Foundation

/// A folder holding PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`) and, usually, `psql`.
struct PostgresBinaries: Sendable, Equatable {
    /// The folder, such as `/usr/lib/postgresql/15/bin`.
    let directory: String

    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }

    /// `psql` from the same folder, else the first `psql` on `PATH`.
    var psql: String? {
        let local = directory + "/psql"
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        return ProcessRunner.which("psql")
    }

    /// The tools a server needs, all of which must be executable in `directory`.
    static let required = ["initdb", "pg_ctl", "postgres"]

    /// Whether `directory` holds every required tool.
    static func isComplete(_ directory: String) -> Bool {
        required.allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
    }

    /// Finds the binaries: `GBATCHY_POSTGRES_BIN` when set, else the newest `/usr/lib/postgresql/<version>/bin`, else
    /// `pg_config --bindir`.
    ///
    /// - Returns: the binaries, or why none were found (every place searched).
    static func find(environment: [String: String]) -> Result<PostgresBinaries, PostgresTestServerError> {
        if let configured = environment["GBATCHY_POSTGRES_BIN"], !configured.isEmpty {
            if isComplete(configured) { return .success(PostgresBinaries(directory: configured)) }
            return .failure(
                .binariesNotFound(
                    "GBATCHY_POSTGRES_BIN=\(configured) does not hold \(required.joined(separator: ", "))"
                )
            )
        }
        var searched: [String] = []
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .sorted { versionOrder($1).lexicographicallyPrecedes(versionOrder($0)) }
        for version in versions {
            let directory = "\(root)/\(version)/bin"
            searched.append(directory)
            if isComplete(directory) { return .success(PostgresBinaries(directory: directory)) }
        }
        if versions.isEmpty { searched.append("\(root)/*/bin") }
        if let pgConfig = ProcessRunner.which("pg_config") {
            let temporary = URL(fileURLWithPath: NSTemporaryDirectory())
            if let output = try? ProcessRunner.run(
                pgConfig,
                ["--bindir"],
                workingDirectory: temporary,
                scratchDirectory: temporary
            ), output.status == 0 {
                let directory = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                searched.append("\(directory) (pg_config --bindir)")
                if isComplete(directory) { return .success(PostgresBinaries(directory: directory)) }
            }
        } else {
            searched.append("pg_config (not on PATH)")
        }
        return .failure(
            .binariesNotFound(
                "no PostgreSQL server binaries (\(required.joined(separator: ", "))) in "
                    + searched.joined(separator: ", ")
                    + "; install PostgreSQL (Debian: apt-get install postgresql) or set GBATCHY_POSTGRES_BIN"
            )
        )
    }

    /// A version folder name (`15`, `9.6`) as numbers, so that `15` sorts after `9.6`; other names sort first.
    static func versionOrder(_ name: String) -> [Int] {
        name.split(separator: ".").map { Int($0) ?? -1 }
    }
}
