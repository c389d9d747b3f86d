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

    func example(path: String) async throws -> SQLiteSource {
        let db = try SQLiteSource(path: path)
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
            let setup = try SQLiteSource(path: path)
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

/// The README's SQLite example with its body on the caller's actor, as in top-level code.
private func readmeRequest(
    _ users: TableLoader<Int, ReadmeSQLExampleTests.User>,
    _ postsByAuthor: GroupLoader<Int, ReadmeSQLExampleTests.Post>,
    isolation: isolated (any Actor)? = #isolation
) async throws {
    try await withBatchContext {
        isolation?.assertIsolated()
        async let a = users.load(1)
        async let b = users.load(2)
        async let p = postsByAuthor.load(1)
        _ = try await (a, b, p)  // exactly two queries
    }
}

@Suite("README examples (SQLite) from every isolation", .timeLimit(.minutes(2)))
struct ReadmeSQLIsolationTests {
    enum Caller: String, CaseIterable { case nonisolated, mainActor, queueActor, unstructuredTask }

    @Test("the README's request makes exactly two queries, 1000 runs from each isolation", arguments: Caller.allCases)
    func twoQueriesEveryRun(caller: Caller) async throws {
        try await withFixtureDatabase("blog", storage: .file) { db in
            let users = db.loader(ReadmeSQLExampleTests.User.self, table: "users", key: "id")
            let postsByAuthor = db.groupLoader(
                ReadmeSQLExampleTests.Post.self,
                table: "posts",
                key: "author_id",
                orderBy: "id"
            )
            let queue = QueueActor()
            for run in 0..<scaled(1000) {
                db.queryLog.clear()
                switch caller {
                case .nonisolated: try await readmeRequest(users, postsByAuthor, isolation: nil)
                case .mainActor:
                    try await MainActor.run { @Sendable in MainActorCaller() }.request(users, postsByAuthor)
                case .queueActor: try await queue.run { try await readmeRequest(users, postsByAuthor, isolation: $0) }
                case .unstructuredTask: try await Task { try await readmeRequest(users, postsByAuthor) }.value
                }
                let selects = loaderQueries(db).count
                try #require(selects == 2, "run \(run) from \(caller): \(db.queryLog.entries.map(\.sql))")
            }
        }
    }
}

@MainActor
private struct MainActorCaller: Sendable {
    func request(
        _ users: TableLoader<Int, ReadmeSQLExampleTests.User>,
        _ postsByAuthor: GroupLoader<Int, ReadmeSQLExampleTests.Post>
    ) async throws {
        try await readmeRequest(users, postsByAuthor)
    }
}
