import Foundation

let command: DemoCommand
do {
    command = try DemoCommand.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("gbatchy-demo: \(error.message)\n\n\(DemoCommand.usage)".utf8))
    exit(2)
}

switch command {
case .help:
    print(DemoCommand.usage, terminator: "")
case .seed:
    try await SeedExample.test()
case .crashWriter(let path):
    try await CrashWriter.run(path: path)
case .chinook:
    try await ChinookAlbums.run()
case .shapes:
    try await ChinookShapes.run()
case .frontPage:
    try await FrontPage.run()
case .frontPagePostgres:
    try await PostgresFrontPage.run()
}
