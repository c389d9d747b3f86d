import Foundation
import GBatchy
import GBatchyPostgres
import PostgresNIO
import Testing

struct Author: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
    let mentorID: Int?
    enum CodingKeys: String, CodingKey {
        case id, name
        case mentorID = "mentor_id"
    }
}

struct Post: Decodable, Sendable, Equatable {
    let id: Int
    let authorID: Int
    let title: String
    enum CodingKeys: String, CodingKey {
        case id, title
        case authorID = "author_id"
    }
}

struct Tag: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
}

@Suite("PostgreSQL loaders", .timeLimit(.minutes(2)), .enabled(if: postgresAvailable))
struct PostgresLoaderTests {
    @Test("one statement per loader per tick, each key its own row")
    func byKey() async throws {
        try await withBlogSource { pg, _, _ in
            let authors = pg.loader(Author.self, table: "authors", key: "id")
            let posts = pg.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
            pg.queryLog.clear()
            let (a, p) = try await withBatchContext {
                async let a = authors.loadAll([1, 2, 99, 1])
                async let p = posts.loadAll([1, 2])
                return try await (a, p)
            }
            #expect(a.map { $0?.id } == [1, 2, nil, 1])
            #expect(p.map { $0.map(\.id) }.count == 2)
            let statements = pg.queryLog.entries.map(\.sql).filter { !$0.contains("information_schema") }
            print(statements)
            #expect(statements.first == "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            #expect(statements.last == "COMMIT")
            #expect(statements.count == 4)
        }
    }

    @Test("shapes: filter, top N, count, exists, many-to-many")
    func shapes() async throws {
        try await withBlogSource { pg, _, _ in
            let published = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"],
                orderBy: "id"
            )
            let latest = pg.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                orderBy: "id",
                descending: true,
                limit: 2
            )
            let count = pg.countLoader(table: "comments", key: "post_id")
            let exists = pg.existsLoader(table: "comments", key: "post_id")
            let tags = pg.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id",
                orderBy: "name"
            )
            try await withBatchContext {
                async let p = published.loadAll([1, 2, 3])
                async let l = latest.loadAll([1, 2, 3])
                async let c = count.loadAll([1, 2, 3, 999])
                async let e = exists.loadAll([1, 2, 3, 999])
                async let t = tags.loadAll([1, 2, 999])
                let (pp, ll, cc, ee, tt) = try await (p, l, c, e, t)
                print(pp.map { $0.map(\.id) }, ll.map { $0.map(\.id) }, cc, ee, tt.map { $0.map(\.name) })
            }
        }
    }
}
