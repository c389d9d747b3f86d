import Foundation
import GBatchy
import GBatchySQL

/// The repository's `Fixtures` folder, found from this file's path.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures", isDirectory: true)

/// Where a fixture database lives.
enum FixtureStorage: Sendable, CaseIterable {
    case file, memory
}

/// Loads `Fixtures/<name>/schema.sql` and then `data.sql` into `db`, each file whole as one script.
///
/// The schema runs inside `db.write` (one transaction). `data.sql` brings its own `BEGIN`/`COMMIT`, which cannot
/// nest inside `write`'s transaction, so it runs through `execute`, whose script is then all-or-nothing too.
func loadFixture(_ name: String, into db: SQLiteSource) async throws {
    let folder = fixturesDirectory.appendingPathComponent(name, isDirectory: true)
    let schema = try String(contentsOf: folder.appendingPathComponent("schema.sql"), encoding: .utf8)
    let data = try String(contentsOf: folder.appendingPathComponent("data.sql"), encoding: .utf8)
    try await db.write { conn in try conn.execute(schema) }
    try await db.execute(data)
}

/// Builds a database from a fixture (a file in a temporary folder, or in memory), runs `body`, always closes it.
func withFixtureDatabase<R>(
    _ name: String,
    storage: FixtureStorage = .file,
    _ body: (SQLiteSource) async throws -> R
) async throws -> R {
    switch storage {
    case .file:
        return try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, _ in
            try await loadFixture(name, into: db)
            db.queryLog.clear()
            return try await body(db)
        }
    case .memory:
        return try await closing(SQLiteSource.inMemory()) { db in
            try await loadFixture(name, into: db)
            db.queryLog.clear()
            return try await body(db)
        }
    }
}

/// The table-loader queries in the log (those that bound keys), oldest first.
func loaderQueries(_ db: SQLiteSource) -> [QueryLog.Entry] {
    db.queryLog.entries.filter { $0.keyCount != nil }
}

/// The statistics of the current context.
var currentStatistics: BatchStatistics { BatchContext.current!.statistics }

// MARK: - Blog rows

struct Author: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
    let bio: String?
    let mentorID: Int?

    enum CodingKeys: String, CodingKey {
        case id, name, bio
        case mentorID = "mentor_id"
    }
}

enum PostStatus: String, Decodable, Sendable, CaseIterable {
    case draft, published, archived
}

struct Post: Decodable, Sendable, Equatable {
    let id: Int
    let authorID: Int
    let title: String
    let status: PostStatus
    let publishedAt: Date?
    let score: Double
    let isFeatured: Bool

    enum CodingKeys: String, CodingKey {
        case id, title, status, score
        case authorID = "author_id"
        case publishedAt = "published_at"
        case isFeatured = "is_featured"
    }
}

struct Comment: Decodable, Sendable, Equatable {
    let id: Int
    let postID: Int
    let authorID: Int?
    let body: String

    enum CodingKeys: String, CodingKey {
        case id, body
        case postID = "post_id"
        case authorID = "author_id"
    }
}

struct Tag: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
}

struct PostTag: Decodable, Sendable, Equatable {
    let postID: Int
    let tagID: Int

    enum CodingKeys: String, CodingKey {
        case postID = "post_id"
        case tagID = "tag_id"
    }
}

struct BlogUser: Decodable, Sendable, Equatable {
    let id: Int
    let uuid: UUID
    let handle: String
}

/// The blog's loaders, declared once per database.
struct BlogLoaders: Sendable {
    let authors: TableLoader<Int, Author>
    let mentors: TableLoader<Int?, Author>
    let posts: TableLoader<Int, Post>
    let postsByAuthor: GroupLoader<Int, Post>
    let commentsByPost: GroupLoader<Int, Comment>
    let tagsOfPost: GroupLoader<Int, PostTag>
    let tags: TableLoader<Int, Tag>
    let users: TableLoader<Int, BlogUser>

    init(_ db: SQLiteSource) {
        authors = db.loader(Author.self, table: "authors", key: "id")
        mentors = db.loader(Author.self, table: "authors", key: "id")
        posts = db.loader(Post.self, table: "posts", key: "id")
        postsByAuthor = db.groupLoader(Post.self, table: "posts", key: "author_id", orderBy: "id")
        commentsByPost = db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id")
        tagsOfPost = db.groupLoader(PostTag.self, table: "post_tags", key: "post_id", orderBy: "tag_id")
        tags = db.loader(Tag.self, table: "tags", key: "id")
        users = db.loader(BlogUser.self, table: "users", key: "id")
    }
}
