import Foundation
import GBatchy
import GBatchySQL
import Testing

/// The README's SQLite example, verbatim inside `example(path:)`, run against the blog fixture.
@Suite("README examples (SQLite)", .timeLimit(.minutes(1)))
struct ReadmeSQLExampleTests {
    struct User: Decodable, Sendable { let id: Int; let handle: String }
    struct Post: Decodable, Sendable {
        let id: Int
        let title: String
        let authorID: Int
        enum CodingKeys: String, CodingKey { case id, title, authorID = "author_id" }
    }

    func example(path: String) async throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        let users = db.loader(User.self, table: "users", key: "id")  // User?
        let postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")  // [Post]

        try await withBatchContext {
            async let a = users.load(1)
            async let b = users.load(2)
            async let p = postsByAuthor.load(1)
            _ = try await (a, b, p)  // exactly two queries
        }
        return db
    }

    @Test("the README's loaders run exactly two queries")
    func twoQueries() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("readme.sqlite").path
            let setup = try SQLiteDatabase(path: path)
            try await loadFixture("blog", into: setup)
            await setup.close()
            let db = try await example(path: path)
            let queries = loaderQueries(db)
            #expect(queries.count == 2)
            #expect(Set(queries.compactMap(\.table)) == ["users", "posts"])
            await db.close()
        }
    }
}
