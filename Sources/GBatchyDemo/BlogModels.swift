import Foundation

/// The rows of the blog fixture that the front page reads.
struct Author: Decodable, Sendable {
    let id: Int
    let name: String
    let mentorID: Int?

    enum CodingKeys: String, CodingKey {
        case id, name
        case mentorID = "mentor_id"
    }
}

struct Post: Decodable, Sendable {
    let id: Int
    let authorID: Int
    let title: String
    let publishedAt: Date?
    let isFeatured: Bool

    enum CodingKeys: String, CodingKey {
        case id, title
        case authorID = "author_id"
        case publishedAt = "published_at"
        case isFeatured = "is_featured"
    }
}

struct Comment: Decodable, Sendable {
    let id: Int
    let postID: Int
    let authorID: Int?

    enum CodingKeys: String, CodingKey {
        case id
        case postID = "post_id"
        case authorID = "author_id"
    }
}

struct PostTag: Decodable, Sendable {
    let postID: Int
    let tagID: Int

    enum CodingKeys: String, CodingKey {
        case postID = "post_id"
        case tagID = "tag_id"
    }
}

struct Tag: Decodable, Sendable {
    let id: Int
    let name: String
}

/// One entry of the front page, as both implementations build it.
struct FrontPageEntry: Sendable {
    let post: Post
    let author: String
    let mentor: String?
    let tags: [String]
    let commentAuthors: [String]
}
