let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "seed":
    try await SeedExample.test()
default:
    try await FrontPage.run()
}
