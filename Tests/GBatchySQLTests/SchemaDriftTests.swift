import Foundation
import GBatchy
import GBatchySQL
import Testing

/// A loader answers with the schema its batch's snapshot has, whatever the schema was when it built its statement.
@Suite("Schema drift: a loader reads with the current schema", .timeLimit(.minutes(1)))
struct SchemaDriftTests {
    struct Profile: Decodable, Sendable, Equatable {
        var id: Int
        var owner: Int
        var bio: String?
    }

    /// Loads key 1 from both loaders, each in a context of its own, several times (so that both reader connections,
    /// each with its own cached statement, answer), and returns every `bio` seen.
    func bios(_ loader: TableLoader<Int, Profile>, _ group: GroupLoader<Int, Profile>) async throws -> Set<String?> {
        var seen: Set<String?> = []
        for _ in 0..<4 {
            try await withBatchContext { () async throws in
                let row = try #require(try await loader.load(1))
                seen.insert(row.bio)
                seen.formUnion(try await group.load(10).map(\.bio))
            }
        }
        return seen
    }

    /// An optional column that a loader had left out (renamed away, or dropped) and that comes back (renamed back,
    /// or added again) is read again: its values, and its decoding failures, from the next batch on. Before, the
    /// loader kept its statement without the column, which still ran, and answered `nil` for it.
    @Test func anOptionalColumnThatComesBackIsReadAgain() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE profiles(id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, bio TEXT);"
                    + "CREATE INDEX profiles_owner ON profiles(owner);"
                    + "INSERT INTO profiles VALUES (1, 10, 'first'), (2, 20, 'second')"
            )
            let loader = db.loader(Profile.self, table: "profiles", key: "id")
            let group = db.groupLoader(Profile.self, table: "profiles", key: "owner", orderBy: "id")
            // Same SQL as `loader`'s statement without `bio`: it builds it after the drop, and runs it again after
            // the column is back, after `loader` (on a connection where SQLite may have re-prepared it already).
            let late = db.loader(Profile.self, table: "profiles", key: "id")
            #expect(try await bios(loader, group) == ["first"])

            try await db.execute("ALTER TABLE profiles RENAME COLUMN bio TO old_bio")
            #expect(try await bios(loader, group) == [nil])  // left out: nil, as documented
            try await db.execute("ALTER TABLE profiles RENAME COLUMN old_bio TO bio")
            #expect(try await bios(loader, group) == ["first"])

            try await db.execute("ALTER TABLE profiles DROP COLUMN bio")
            #expect(try await bios(loader, group) == [nil])
            try await withBatchContext { () async throws in #expect(try await late.load(2)?.bio == nil) }
            try await db.execute("ALTER TABLE profiles ADD COLUMN bio TEXT; UPDATE profiles SET bio = 'again'")
            #expect(try await bios(loader, group) == ["again"])
            try await withBatchContext { () async throws in #expect(try await late.load(2)?.bio == "again") }

            // The column's decoding failures are back too: a BLOB is no String.
            try await db.execute("UPDATE profiles SET bio = x'00ff' WHERE id = 1")
            try await withBatchContext {
                let results = await loader.loadMany([1, 2])
                let error = try #require(results[0].failure as? ColumnDecodingError, "\(results[0])")
                #expect(error.column == "bio" && error.kind == .typeMismatch && error.table == "profiles")
                #expect(try results[1].get()?.bio == "again")
            }
        }
    }

    /// The schema changes between two batches of one context: the second batch reads the column that came back,
    /// and a required column dropped still fails with a ``SchemaError`` naming it.
    @Test func theNextBatchOfTheSameContextSeesTheColumnAndADroppedRequiredColumnFails() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE profiles(id INTEGER PRIMARY KEY, owner INTEGER NOT NULL);"
                    + "INSERT INTO profiles VALUES (1, 10), (2, 20)"
            )
            let loader = db.loader(Profile.self, table: "profiles", key: "id")
            try await withBatchContext { () async throws in
                #expect(try await loader.load(1) == Profile(id: 1, owner: 10, bio: nil))
                try await db.execute("ALTER TABLE profiles ADD COLUMN bio TEXT DEFAULT 'default bio'")
                #expect(try await loader.load(2)?.bio == "default bio")
                try await db.execute("ALTER TABLE profiles DROP COLUMN owner")
                loader.clearAll()
                let error = try #require(await capture { _ = try await loader.load(1) } as? SchemaError)
                #expect(error.code == .unknownColumn && error.column == "owner" && error.table == "profiles")
            }
        }
    }
}
