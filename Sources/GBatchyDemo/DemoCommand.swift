import Foundation

/// What `gbatchy-demo` was asked to do: parsed from the whole command line before anything runs, so that `--help` and
/// a mistyped argument never start an example.
enum DemoCommand: Equatable {
    /// No argument: the blog front page (``FrontPage``).
    case frontPage
    /// `--postgres`: the front page's batched request on PostgreSQL (``PostgresFrontPage``).
    case frontPagePostgres
    /// `seed`: the example of gbatchy's README (``SeedExample``).
    case seed
    /// `chinook`: albums of the Chinook dataset (``ChinookAlbums``).
    case chinook
    /// `shapes`: Chinook playlists through the loader shapes (``ChinookShapes``).
    case shapes
    /// `crash-writer PATH`: writes into the database at `PATH` until killed (``CrashWriter``).
    case crashWriter(path: String)
    /// `help`, `-h` or `--help`: print ``usage`` and exit.
    case help

    /// The text printed by `--help`, and after the error of a command line that does not parse.
    static let usage = """
        usage: gbatchy-demo [COMMAND]

        Runs one of GBatchy's examples on the fixtures of the repository.

        commands:
          (none)             the blog front page, built naively and through table loaders, with its queries
          --postgres         the same front page through the same loaders on PostgreSQL: a throwaway server the
                             demo starts (or the one of GBATCHY_POSTGRES_URL), with the statements of each tick
          seed               the example of gbatchy's README, line for line
          chinook            40 Chinook albums with their artists and genres, loaded in three ticks
          shapes             Chinook playlists, their tracks, top 3 per album, counts per genre: the loader shapes
          crash-writer PATH  writes transactions into the database at PATH until killed (crash-consistency test)
          help, -h, --help   prints this text

        """

    /// Parses the arguments that follow the program's name.
    ///
    /// - Throws: ``CommandLineError`` naming the argument at fault.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> DemoCommand {
        if arguments.contains(where: { ["help", "-h", "--help"].contains($0) }) { return .help }
        guard let command = arguments.first else { return .frontPage }
        let operands = arguments.dropFirst()
        switch command {
        case "--postgres":
            try expectNothing(after: command, in: operands)
            return .frontPagePostgres
        case "seed", "chinook", "shapes":
            try expectNothing(after: command, in: operands)
            return command == "seed" ? .seed : command == "chinook" ? .chinook : .shapes
        case "crash-writer":
            guard let path = operands.first, !path.hasPrefix("-") else {
                throw CommandLineError(message: "crash-writer needs the PATH of a database")
            }
            try expectNothing(after: path, in: operands.dropFirst())
            return .crashWriter(path: path)
        default:
            throw CommandLineError(message: "unknown command '\(command)'")
        }
    }

    private static func expectNothing(after last: String, in rest: ArraySlice<String>) throws(CommandLineError) {
        if let extra = rest.first { throw CommandLineError(message: "unexpected argument '\(extra)' after '\(last)'") }
    }
}

/// A command line that does not parse: `message` names the argument at fault.
struct CommandLineError: Error, Equatable {
    let message: String
}
