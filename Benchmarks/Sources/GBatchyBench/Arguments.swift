/// What `gbatchy-bench` was asked to do: parsed from the whole command line before anything runs, so that `--help` and
/// a mistyped option never start a benchmark.
struct BenchArguments: Equatable {
    enum Mode: Equatable {
        /// Every row, printed as a table.
        case run
        /// The memory per pending load and per context, in a child process (see `measureMemoryInChildProcess`).
        case measureMemory
        /// One workload in a loop, for a profiler.
        case profile(String)
        /// Only the key binding rows (K-…).
        case keys
        /// Print ``usage`` and exit.
        case help
    }

    var mode = Mode.run
    /// `--quick`: fewer runs and a smaller database.
    var quick = false
    /// `--json PATH`: where to write the rows as JSON too.
    var jsonPath: String?
    /// `--only GROUP`: the one group of rows to run (`core`, `sql`, `graphql` or `postgres`); `nil` for every group.
    var only: String?

    /// The groups of rows `--only` accepts, in the order they run.
    static let groups = ["core", "sql", "graphql", "postgres"]

    /// The text printed by `--help`, and after the error of a command line that does not parse.
    static let usage = """
        usage: gbatchy-bench [--quick] [--json PATH] [--only GROUP]
               gbatchy-bench --profile WORKLOAD
               gbatchy-bench --measure-memory [--quick]
               gbatchy-bench --keys [--quick] [--json PATH]

        Runs GBatchy's benchmarks and prints each row with its target. Build with `-c release` for real figures.

        options:
          --quick             fewer runs and a smaller database: a smoke run
          --json PATH         also writes the rows as JSON to PATH
          --only GROUP        runs one group of rows: \(groups.joined(separator: ", ")) (postgres starts a
                              throwaway PostgreSQL server, or uses GBATCHY_POSTGRES_URL; without --only, the
                              postgres rows are skipped with a note where no server can be started)
          --profile WORKLOAD  runs one workload in a loop (ITER times, 2000 by default), for perf or callgrind:
                              \(Profile.workloads.joined(separator: ", "))
          --measure-memory    prints the bytes per pending load and per context (the benchmark runs it in a child
                              process)
          --keys              runs only the key binding rows (K-…): JSON array, padded IN lists, padded VALUES and a
                              temporary table at 1 to 300,000 keys
          -h, --help          prints this text

        """

    /// Parses the arguments that follow the program's name.
    ///
    /// - Throws: ``CommandLineError`` naming the argument at fault.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> BenchArguments {
        var parsed = BenchArguments()
        var rest = arguments[...]
        func value(of option: String) throws(CommandLineError) -> String {
            guard let value = rest.popFirst(), !value.hasPrefix("-") else {
                throw CommandLineError(message: "\(option) needs a value")
            }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "-h", "--help", "help":
                return BenchArguments(mode: .help)
            case "--quick":
                parsed.quick = true
            case "--json":
                parsed.jsonPath = try value(of: argument)
            case "--only":
                let group = try value(of: argument)
                guard groups.contains(group) else { throw CommandLineError(message: "unknown group '\(group)'") }
                parsed.only = group
            case "--measure-memory" where parsed.mode == .run:
                parsed.mode = .measureMemory
            case "--keys" where parsed.mode == .run:
                parsed.mode = .keys
            case "--profile" where parsed.mode == .run:
                let workload = try value(of: argument)
                guard Profile.workloads.contains(workload) else {
                    throw CommandLineError(message: "unknown workload '\(workload)'")
                }
                parsed.mode = .profile(workload)
            case "--measure-memory", "--profile", "--keys":
                throw CommandLineError(message: "\(argument) cannot be combined with another mode")
            default:
                throw CommandLineError(message: "unknown argument '\(argument)'")
            }
        }
        return parsed
    }
}

/// A command line that does not parse: `message` names the argument at fault.
struct CommandLineError: Error, Equatable {
    let message: String
}
