import Foundation
import GBatchy
import GBatchyPostgres
import GBatchyPostgresTesting
import GBatchySQL
import PostgresNIO

/// `gbatchy-demo --postgres`: the front page's batched request, unchanged, on PostgreSQL: on a throwaway server the
/// demo starts itself, or on the server of `GBATCHY_POSTGRES_URL` (where it creates a database
/// `gbatchy_demo_<pid>` for the blog fixture and drops it at the end). It prints the page, checks it is the page the
/// SQLite loaders build, and prints the statements of each tick.
enum PostgresFrontPage {
    static func run() async throws {
        let endpoint = try await PostgresTestEndpoint.fromEnvironment()
        defer { try? endpoint.stop() }
        let database = "gbatchy_demo_\(ProcessInfo.processInfo.processIdentifier)"
        try endpoint.createDatabase(database)
        defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        try endpoint.loadFixture("blog", into: database, fixturesDirectory: FixtureDatabase.directory)

        let info = endpoint.connection
        let configuration =
            info.unixSocketPath.map {
                PostgresClient.Configuration(
                    unixSocketPath: $0,
                    username: info.username,
                    password: info.password,
                    database: database
                )
            }
            ?? PostgresClient.Configuration(
                host: info.host,
                port: info.port,
                username: info.username,
                password: info.password,
                database: database,
                tls: .disable
            )
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await run(on: PostgresSource(client: client))
        }
    }

    private static func run(on pg: PostgresSource) async throws {
        // The same loader calls as on SQLite, on the other backend.
        let loaders = FrontPage.Loaders(
            authors: pg.loader(Author.self, table: "authors", key: "id", keyType: Int?.self),
            tagsOfPost: pg.groupLoader(PostTag.self, table: "post_tags", key: "post_id", orderBy: "tag_id"),
            tags: pg.loader(Tag.self, table: "tags", key: "id"),
            commentsOfPost: pg.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id")
        )
        let posts = try await pg.query(FrontPage.publishedPosts, as: Post.self)
        pg.queryLog.clear()
        let page = FrontPage.render(try await FrontPage.batched(posts: posts, loaders))
        let log = pg.queryLog.entries.filter { !$0.sql.contains("information_schema") }

        var sqlitePage = ""
        try await FixtureDatabase.withDatabase("blog") { db in
            sqlitePage = FrontPage.render(try await FrontPage.batched(db, FrontPage.loaders(db)))
        }
        print(page)
        print("")
        print(page == sqlitePage ? "PostgreSQL and SQLite printed the same page." : "DIFFERENT:\n\(sqlitePage)")
        let statements = log.filter { $0.keyCount != nil }
        let ticks = log.filter { $0.sql.hasPrefix("BEGIN") }.count
        print(
            "batched on PostgreSQL: \(statements.count) statements, "
                + "\(ticks) ticks in a REPEATABLE READ READ ONLY transaction (a tick of one statement needs none)"
        )
        print("")
        print("SQL of the batched request (schema checks omitted):")
        var tick: [QueryLog.Entry] = []
        for entry in log {
            if entry.keyCount == nil {
                for statement in tick.sorted(by: { ($0.table ?? "") < ($1.table ?? "") }) { printEntry(statement) }
                tick = []
                printEntry(entry)
            } else {
                tick.append(entry)
            }
        }
        for statement in tick.sorted(by: { ($0.table ?? "") < ($1.table ?? "") }) { printEntry(statement) }
        func printEntry(_ entry: QueryLog.Entry) {
            let keys = entry.keyCount.map { ", " + counted($0, "key") } ?? ""
            print("  \(entry.sql)" + (entry.keyCount == nil ? "" : "  -- " + counted(entry.rowCount, "row") + keys))
        }
    }
}
