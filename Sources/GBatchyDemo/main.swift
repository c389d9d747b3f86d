let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "seed":
    try await SeedExample.test()
case "chinook":
    try await ChinookAlbums.run()
default:
    try await FrontPage.run()
}
