// GBatchyPostgres beside PostgresNIO: every public type of GBatchyPostgres and GBatchyPostgresTesting named without a
// module prefix in a file that imports PostgresNIO (whose names all start with `Postgres` too), then the same request
// as on SQLite on a throwaway PostgreSQL server, checked against what postgres-nio reads itself.

import Foundation
import GBatchy
import GBatchyPostgres
import GBatchyPostgresTesting
import PostgresNIO

extension InteropCheck {
    /// Starts a server (or uses `GBATCHY_POSTGRES_URL`), writes the authors and posts with postgres-nio, and checks
    /// that GBatchyPostgres's loaders build `expected`, one statement per loader, and report their own errors.
    static func checkGBatchyPostgres(expected: [Page], report: inout Report) async throws {
        let availability: PostgresTestAvailability = PostgresTestEndpoint.availability
        guard availability.runsTests else {
            // CI installs the server and sets GBATCHY_REQUIRE_POSTGRES=1: there, a skip is a failure.
            let required = ProcessInfo.processInfo.environment["GBATCHY_REQUIRE_POSTGRES"] == "1"
            report.check(!required, "no PostgreSQL server for the names check: \(availability)")
            print("gbatchy-interop: PostgreSQL skipped: \(availability)")
            return
        }
        let endpoint: PostgresTestEndpoint = try await PostgresTestEndpoint.fromEnvironment()
        defer { try? endpoint.stop() }
        let database = "gbatchy_interop_\(ProcessInfo.processInfo.processIdentifier)"
        try endpoint.createDatabase(database)
        defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let info: PostgresConnectionInfo = endpoint.connection.with(database: database)
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
            try await seed(client)
            try await checkGBatchyPostgres(PostgresSource(client: client), expected: expected, report: &report)
        }
    }

    /// postgres-nio's own API writes the rows the loaders read.
    private static func seed(_ client: PostgresClient) async throws {
        try await client.query(
            "CREATE TABLE author (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"
        )
        try await client.query(
            """
            CREATE TABLE post (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL REFERENCES author(id), title TEXT NOT NULL)
            """
        )
        let authorIDs = Array(1...authorCount)
        let postIDs = Array(1...postCount)
        let postAuthors = postIDs.map { $0 % authorCount + 1 }
        try await client.query(
            "INSERT INTO author (id, name) SELECT id, 'author ' || id FROM unnest(\(authorIDs)) AS t(id)"
        )
        try await client.query(
            """
            INSERT INTO post (id, author_id, title)
            SELECT id, author_id, 'post ' || id FROM unnest(\(postIDs), \(postAuthors)) AS t(id, author_id)
            """
        )
    }

    private static func checkGBatchyPostgres(_ pg: PostgresSource, expected: [Page], report: inout Report) async throws
    {
        let authors: PostgresTableLoader<Int, Author> = pg.loader(Author.self, table: "author", key: "id")
        let postsByAuthor: PostgresGroupLoader<Int, Post> = pg.groupLoader(
            Post.self,
            table: "post",
            key: "author_id",
            orderBy: "id"
        )
        let ids = Array(1...authorCount)

        // The request of the SQLite check, unchanged, on the other backend.
        let pages = try await withBatchContext {
            try await pmap(ids) { (id: Int) -> Page in
                async let author = authors.loadRequired(id)
                async let posts = postsByAuthor.load(id)
                return try await Page(author: author, titles: posts.map(\.title))
            }
        }
        report.check(pages == expected, "the pages GBatchyPostgres loaded differ from the ones GRDB read on SQLite")
        let loads: [QueryLog.Entry] = pg.queryLog.entries.filter { $0.keyCount != nil }
        report.check(
            loads.count == 2 && loads.allSatisfy { $0.keyCount == authorCount && $0.succeeded },
            "the request on PostgreSQL sent \(loads.map(\.sql)), not one statement per loader"
        )

        // Every loader shape, named unqualified, in one tick (one read-only snapshot).
        let postCounts: PostgresCountLoader<Int> = pg.countLoader(table: "post", key: "author_id")
        let hasPosts: PostgresExistsLoader<Int> = pg.existsLoader(table: "post", key: "author_id")
        let aggregate: PostgresAggregateLoader<Int, Int> = postCounts
        let postPages: PostgresPageLoader<Int, Post> = pg.pageLoader(
            Post.self,
            table: "post",
            key: "author_id",
            orderBy: "id"
        )
        let byAuthorAndID: PostgresCompositeKeyLoader<Int, Int, Post> = pg.loader(
            Post.self,
            table: "post",
            keys: ("author_id", "id")
        )
        let groupsByAuthorAndID: PostgresCompositeKeyGroupLoader<Int, Int, Post> = pg.groupLoader(
            Post.self,
            table: "post",
            keys: ("author_id", "id")
        )
        let custom: PostgresSQLLoader<Int, Post> = pg.sqlLoader(
            Post.self,
            key: "author_id",
            reads: ["post"],
            sql: "SELECT id, author_id, title FROM post WHERE author_id IN (:keys) ORDER BY id"
        )
        let authorsByName: PostgresTableLoader<String, Author> = pg.loader(
            Author.self,
            table: "author",
            key: "name",
            keyType: String.self
        )
        let firstPost = expected[0]
        let shapes = try await withBatchContext {
            async let count = aggregate.load(1)
            async let exists = hasPosts.load(1)
            async let page: RowPage<Post> = postPages.load(1, first: 2)
            async let post = byAuthorAndID.load((1, 40))
            async let group = groupsByAuthorAndID.load((1, 40))
            async let rows = custom.load(1)
            async let third = authorsByName.load("author 3")
            return try await (count, exists, page, post, group, rows, third)
        }
        let (count, exists, page, post, group, customRows, third) = shapes
        report.check(count == firstPost.titles.count && exists, "PostgreSQL: author 1 has \(count) posts, \(exists)")
        report.check(
            page.rows.map(\.title) == Array(firstPost.titles.prefix(2)),
            "PostgreSQL: author 1's first page is \(page.rows.map(\.title))"
        )
        report.check(
            post?.title == "post 40" && group.count == 1,
            "PostgreSQL: post (1, 40) is \(String(describing: post))"
        )
        report.check(customRows.map(\.title) == firstPost.titles, "PostgreSQL: the custom SQL loader answered wrong")
        report.check(third?.id == 3, "PostgreSQL: the author named \"author 3\" is \(String(describing: third))")
        let request = PostgresPageRequest(key: 1, first: 2, after: page.endCursor)
        let pair = PostgresKeyPair(1, 40)
        let text = PostgresTextKey("e\u{301}")
        report.check(
            request.first == 2 && pair.description.contains("40") && text != PostgresTextKey("\u{E9}"),
            "\(request), \(pair), \(text)"
        )

        // A write, in one transaction, through the library's own transaction type.
        let inserted = try await pg.write { (transaction: PostgresWriteTransaction) in
            let connection: PostgresConnection = transaction.connection
            _ = connection
            _ = try await transaction.execute(
                "INSERT INTO author (id, name) VALUES ($1, $2)",
                [authorCount + 1, "author \(authorCount + 1)"]
            )
            return try await transaction.query("SELECT count(*) AS n FROM author", as: Int.self)
        }
        report.check(inserted == [authorCount + 1], "PostgreSQL: after the insert, \(inserted) authors")

        // Errors: the library's own, beside postgres-nio's.
        await report.expectError(
            PostgresSourceError.self,
            "PostgreSQL: a loader on a missing table",
            matches: { $0.code == PostgresSourceError.Code.unknownTable && $0.table == "missing" }
        ) {
            let missing: PostgresTableLoader<Int, Author> = pg.loader(Author.self, table: "missing", key: "id")
            _ = try await withBatchContext { try await missing.load(1) }
        }
        await report.expectError(PSQLError.self, "postgres-nio on a missing table") {
            try await pg.client.query("SELECT * FROM missing")
        }
        let testingTypes: [Any.Type] = [
            PostgresTestServer.self, PostgresTestServer.Listening.self, PostgresTestServerError.self,
            PageLoaderError.self, PageCursor.self,
        ]
        report.check(testingTypes.count == 5, "the testing types")
    }
}
