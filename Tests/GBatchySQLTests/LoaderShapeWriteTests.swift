import Foundation
import GBatchy
import GBatchySQL
import Testing

/// Loader shapes meet writes, schema changes, cancellation and large batches; hand-written loaders join the snapshot
/// and the write invalidation through public API.
@Suite("Loader shapes: writes, drift, cancellation, scale", .timeLimit(.minutes(1)))
struct LoaderShapeWriteTests {
    @Test func aWriteToEveryTableAShapeReadsClearsIt() async throws {
        try await withFixtureDatabase("blog") { db in
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            let count = db.countLoader(table: "comments", key: "post_id")
            let exists = db.existsLoader(table: "comments", key: "post_id")
            let latest = db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id", limit: 1)
            let drafts = db.groupLoader(Post.self, table: "posts", key: "author_id", where: "status = ?", ["draft"])
            let posts = db.loader(Post.self, table: "posts", key: "id")
            try await withBatchContext {
                #expect(try await tagsOfPost.load(3).isEmpty)
                #expect(try await count.load(7) == 0)
                #expect(try await exists.load(7) == false)
                #expect(try await latest.load(7).isEmpty)
                #expect(try await drafts.load(1).map(\.id) == [3])
                #expect(try await posts.list(where: "status = 'draft'").map(\.id) == [3, 7, 11])

                // The join table…
                try await db.execute("INSERT INTO post_tags(post_id, tag_id) VALUES (3, 5)")
                #expect(try await tagsOfPost.load(3).map(\.name) == ["meta"])
                // …and the table of the rows.
                try await db.execute("UPDATE tags SET name = 'meta-tag' WHERE id = 5")
                #expect(try await tagsOfPost.load(3).map(\.name) == ["meta-tag"])

                try await db.execute("INSERT INTO comments(id, post_id, body) VALUES (21, 7, 'first on 7')")
                #expect(try await count.load(7) == 1)
                #expect(try await exists.load(7) == true)
                #expect(try await latest.load(7).map(\.id) == [21])

                try await db.execute("UPDATE posts SET status = 'draft' WHERE id = 2")
                #expect(try await drafts.load(1).map(\.id) == [2, 3])
                #expect(try await posts.list(where: "status = 'draft'").map(\.id) == [2, 3, 7, 11])
            }
        }
    }

    /// A user's count loader, hand-written with `db.loader(name:reads:)`: its batch runs in the tick's snapshot while
    /// another connection commits, and a write the request makes clears its cached count. A plain `Loader` with the
    /// same batch function does neither: it is the contrast that fails.
    @Test func aHandWrittenLoaderJoinsTheSnapshotAndTheWriteInvalidation() async throws {
        try await withTemporaryDatabase { db, path in
            try await loadFixture("blog", into: db)
            let other = try SQLiteSource(path: path)
            @Sendable func counts(_ postIDs: [Int]) async throws -> [Int] {
                var counts: [Int] = []
                for id in postIDs {
                    counts += try await db.query("SELECT count(*) FROM comments WHERE post_id = ?", [id], as: Int.self)
                }
                return counts
            }
            let commentCount = db.loader(name: "commentCount", reads: ["Comments"], counts)
            let plainCount = Loader<Int, Int>(name: "plainCount", counts)
            let commentsByPost = db.groupLoader(Comment.self, table: "comments", key: "post_id")
            // A batch in the snapshot, which lets another connection commit a comment in the middle of the tick.
            let interloper = db.loader(name: "interloper", reads: []) { (keys: [Int]) in
                // A read first takes the tick's snapshot; the commit comes after it.
                _ = try await db.query("SELECT count(*) FROM comments", as: Int.self)
                try await other.execute("INSERT INTO comments(id, post_id, body) VALUES (30, 1, 'from elsewhere')")
                return keys
            }
            db.queryLog.clear()
            try await withBatchContext {
                async let written = interloper.load(0)
                async let rows = commentsByPost.load(1)
                async let count = commentCount.load(1)
                let (_, comments, counted) = try await (written, rows, count)
                // Both see the snapshot of the tick, whichever ran first.
                #expect(counted == comments.count)
                #expect(counted == 4)
                #expect(try await plainCount.load(1) == 5)  // another tick, outside any snapshot
                #expect(db.queryLog.entries.filter { $0.sql == "BEGIN DEFERRED" }.count == 1)

                try await db.execute("INSERT INTO comments(id, post_id, body) VALUES (31, 1, 'mine')")
                #expect(try await commentCount.load(1) == 6)  // cleared by the write
                #expect(try await plainCount.load(1) == 5)  // stale: a plain loader is not cleared
            }
            await other.close()
        }
    }

    @Test func aDroppedFilteredOrJoinedColumnFailsClearlyAndRecovers() async throws {
        try await withFixtureDatabase("blog") { db in
            // The row type does not decode the filtered column: only the filter names it.
            let published = db.groupLoader(
                Label.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"]
            )
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            try await withBatchContext { () async throws in
                #expect(try await published.load(1).count == 2)
                #expect(try await tagsOfPost.load(1).count == 2)
            }
            try await db.execute("ALTER TABLE posts RENAME COLUMN status TO state")
            try await db.execute("ALTER TABLE post_tags RENAME COLUMN tag_id TO label_id")
            try await withBatchContext {
                let filterError = try await #require(throws: SQLiteSourceError.self) { try await published.load(1) }
                #expect("\(filterError)".contains("status"))
                let joinError = try await #require(throws: SchemaError.self) { try await tagsOfPost.load(1) }
                #expect(joinError.table == "post_tags" && joinError.column == "tag_id")
                #expect(joinError.role == "the to column")
            }
            try await db.execute("ALTER TABLE posts RENAME COLUMN state TO status")
            try await db.execute("ALTER TABLE post_tags RENAME COLUMN label_id TO tag_id")
            try await withBatchContext { () async throws in
                #expect(try await published.load(1).count == 2)
                #expect(try await tagsOfPost.load(1).count == 2)
            }
        }
    }

    @Test func aManyToManyLoaderNeedsAPrimaryKeyAndAJoinTable() async throws {
        try await withFixtureDatabase("blog") { db in
            try await db.execute("CREATE TABLE labels(name TEXT, post_id INTEGER)")
            let noKey = db.groupLoader(Label.self, table: "labels", through: "post_tags", from: "post_id", to: "tag_id")
            let noJoin = db.groupLoader(Tag.self, table: "tags", through: "post_labels", from: "post_id", to: "tag_id")
            let error = try await #require(throws: LoaderDefinitionError.self) { try await noKey.load(1) }
            #expect(error.code == .noPrimaryKey && error.table == "labels")
            let missing = try await #require(throws: SchemaError.self) { try await noJoin.load(1) }
            #expect(missing.code == .unknownTable && missing.table == "post_labels")
            #expect(loaderQueries(db).isEmpty)
        }
    }

    @Test func hostileIdentifiersInEveryShapeAreCheckedAgainstTheSchema() async throws {
        try await withFixtureDatabase("blog") { db in
            let drop = "\"; DROP TABLE posts; --"
            let failures: [any Error] = await withBatchContext {
                var errors: [any Error] = []
                func record<T>(_ result: Result<T, any Error>) {
                    if case .failure(let error) = result { errors.append(error) }
                }
                record(await db.countLoader(table: "comments" + drop, key: "post_id").loadMany([1])[0])
                record(await db.existsLoader(table: "comments", key: "post_id) OR (1").loadMany([1])[0])
                record(
                    await db.groupLoader(
                        Tag.self,
                        table: "tags",
                        through: "post_tags" + drop,
                        from: "post_id",
                        to: "tag_id"
                    )
                    .loadMany([1])[0]
                )
                record(
                    await db.groupLoader(Tag.self, table: "tags", through: "post_tags", from: "post_id\0", to: "tag_id")
                        .loadMany([1])[0]
                )
                record(
                    await db.groupLoader(
                        Tag.self,
                        table: "tags",
                        through: "post_tags",
                        from: "post_id",
                        to: "tag_id" + drop
                    )
                    .loadMany([1])[0]
                )
                record(
                    await db.groupLoader(
                        Comment.self,
                        table: "comments",
                        key: "post_id",
                        orderBy: "id DESC; --",
                        limit: 2
                    )
                    .loadMany([1])[0]
                )
                let posts = db.loader(Post.self, table: "posts", key: "id")
                do { _ = try await posts.list(orderBy: "id" + drop) } catch { errors.append(error) }
                return errors
            }
            #expect(failures.count == 7)
            #expect(failures.allSatisfy { $0 is SchemaError }, "\(failures)")
            #expect(loaderQueries(db).isEmpty)
            let posts = try await db.query("SELECT count(*) FROM posts", as: Int.self)
            #expect(posts == [12])
        }
    }

    @Test func cancellingOneWaiterLeavesTheOtherItsAnswer() async throws {
        try await withFixtureDatabase("blog") { db in
            let count = db.countLoader(table: "comments", key: "post_id")
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            try await withBatchContext {
                let countFuture = count.future(1)
                let tagsFuture = tagsOfPost.future(1)
                let cancelled = Task { try await (count.load(1), tagsOfPost.load(1)) }
                cancelled.cancel()
                let (counted, tags) = try await (countFuture.value, tagsFuture.value)
                #expect(counted == 4 && tags.count == 2)
                switch await cancelled.result {
                case .failure(let error): #expect(error is CancellationError)
                case .success(let (otherCount, otherTags)): #expect(otherCount == 4 && otherTags.count == 2)
                }
            }
            #expect(loaderQueries(db).count == 2)
        }
    }

    /// 300,000 keys in one batch for every shape (`GBATCHY_SHAPE_KEYS`, 20,000 by default: 300,000 keys for five
    /// shapes take 20 s in a debug build): one statement each, every key answered.
    @Test func threeHundredThousandKeysPerShape() async throws {
        let keyCount = max(20, ProcessInfo.processInfo.environment["GBATCHY_SHAPE_KEYS"].flatMap(Int.init) ?? 20_000)
        try await withFixtureDatabase("blog") { db in
            let keys = Array(1...keyCount)
            let count = db.countLoader(table: "comments", key: "post_id")
            let exists = db.existsLoader(table: "comments", key: "post_id", where: "author_id IS NOT NULL")
            let latest = db.groupLoader(Comment.self, table: "comments", key: "post_id", orderBy: "id", limit: 1)
            let tagsOfPost = db.groupLoader(
                Tag.self,
                table: "tags",
                through: "post_tags",
                from: "post_id",
                to: "tag_id"
            )
            let published = db.groupLoader(
                Post.self,
                table: "posts",
                key: "author_id",
                where: "status = ?",
                ["published"]
            )
            try await withBatchContext {
                async let counts = count.loadAll(keys)
                async let found = exists.loadAll(keys)
                async let latestComments = latest.loadAll(keys)
                async let tags = tagsOfPost.loadAll(keys)
                async let posts = published.loadAll(keys)
                let (c, e, l, t, p) = try await (counts, found, latestComments, tags, posts)
                #expect(c.reduce(0, +) == 20 && c[0] == 4 && c[keyCount - 1] == 0)
                #expect(e.filter { $0 }.count == 10)
                #expect(l.joined().count == 11 && l[0].map(\.id) == [1])
                #expect(t.joined().count == 16)
                #expect(p.joined().count == 7)
            }
            let queries = loaderQueries(db)
            #expect(queries.count == 5)
            #expect(queries.allSatisfy { $0.keyCount == keyCount })
        }
    }
}

/// A row of the `name` column alone.
struct Label: Decodable, Sendable {
    let name: String?
}
