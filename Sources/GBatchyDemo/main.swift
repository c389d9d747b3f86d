let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "seed":
    try await SeedExample.test()
case "crash-writer":
    try await CrashWriter.run(path: arguments.dropFirst().first)
case "chinook":
    try await ChinookAlbums.run()
default:
    try await FrontPage.run()
}
