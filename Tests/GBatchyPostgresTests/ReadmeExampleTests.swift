import Foundation
import GBatchy
import GBatchyPostgres
import PostgresNIO
import Testing

/// The README's PostgreSQL example, verbatim inside `example(configuration:)`, run against the blog fixture.
@Suite("README examples (PostgreSQL)", .timeLimit(.minutes(1)), .whenPostgresIsAvailable)
struct ReadmePostgresExampleTests {
    struct User: Decodable, Sendable { let id: Int; let handle: String }
    struct Post: Decodable, Sendable {
        let id: Int
        let title: String
        let authorID: Int
        enum CodingKeys: String, CodingKey { case id, title, authorID = "author_id" }
    }

    func example(configuration: PostgresClient.Configuration) async throws -> [String] {
        let client = PostgresClient(configuration: configuration)  // run by the service: `await client.run()`
        let run = Task { await client.run() }
        defer { run.cancel() }
        let pg = PostgresSource(client: client)
        let users = pg.loader(User.self, table: "users", key: "id")
        let postsByAuthor = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
        try await withBatchContext {
            async let a = users.load(1)
            async let p = postsByAuthor.load(1)
            _ = try await (a, p)  // two statements, one snapshot
        }
        return pg.queryLog.entries.map(\.sql).filter { !$0.contains("information_schema") }
    }

    @Test("the README's loaders send two statements in one read-only snapshot")
    func twoStatements() async throws {
        try await withBlogSource { _, endpoint, database in
            let statements = try await example(configuration: clientConfiguration(endpoint, database: database))
            #expect(statements.count == 4)
            #expect(statements.first == "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            #expect(statements.last == "COMMIT")
            #expect(statements.dropFirst().dropLast().contains { $0.contains("FROM \"users\" AS \"t\"") })
            #expect(statements.dropFirst().dropLast().contains { $0.contains("FROM \"posts\" AS \"t\"") })
        }
    }
}
