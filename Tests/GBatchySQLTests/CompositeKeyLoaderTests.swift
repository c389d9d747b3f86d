import Foundation
import GBatchy
import GBatchySQL
import Testing

struct PlaylistTrack: Decodable, Sendable, Equatable {
    let id: Int
    let playlistID: Int
    let trackID: Int

    enum CodingKeys: String, CodingKey {
        case id
        case playlistID = "playlist_id"
        case trackID = "track_id"
    }
}

struct InvoiceItem: Decodable, Sendable, Equatable {
    let id: Int
    let invoiceID: Int
    let trackID: Int
    let quantity: Int

    enum CodingKeys: String, CodingKey {
        case id, quantity
        case invoiceID = "invoice_id"
        case trackID = "track_id"
    }
}

/// Composite keys (issue #11, shape 6): `db.loader(…, keys: ("a", "b"))` and `db.groupLoader(…, keys: …)`.
@Suite("Composite-key loaders", .timeLimit(.minutes(1)))
struct CompositeKeyLoaderTests {
    /// The keys of the many-keys test: 30,000 by default (a debug build spends about 12 s on 300,000);
    /// `GBATCHY_MANY_KEYS=300000` runs the issue's full count.
    static let manyKeys = ProcessInfo.processInfo.environment["GBATCHY_MANY_KEYS"].flatMap(Int.init) ?? 30_000

    @Test("two-column keys: each key its row, misses nil, duplicates once, one statement with both columns matched")
    func twoColumnKeys() async throws {
        try await withFixtureDatabase("chinook") { db in
            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            let keys = [(1, 1), (1, 2), (8, 1), (18, 597), (3, 2819), (3, 1077), (1, 1), (597, 18)]
            let (rows, stats) = try await withBatchContext {
                (try await entries.loadAll(keys), currentStatistics)
            }
            #expect(rows.map { $0?.id } == [1, 2, 4981, 8715, 3291, nil, 1, nil])
            #expect(rows[3] == PlaylistTrack(id: 8715, playlistID: 18, trackID: 597))
            #expect(stats["playlist_tracks.(playlist_id, track_id)"].batchSizes == [7])
            let queries = loaderQueries(db)
            #expect(queries.count == 1)
            #expect(queries.first?.keyCount == 7)
            #expect(
                queries.first?.sql
                    == #"SELECT "t"."id", "t"."playlist_id", "t"."track_id", "k"."key" FROM main.json_each(?) AS "k" "#
                    + #"JOIN "playlist_tracks" AS "t" ON "t"."playlist_id" = +json_extract("k"."value", '$[0]') "#
                    + #"AND "t"."track_id" = +json_extract("k"."value", '$[1]')"#
            )
            let required = await capture {
                _ = try await withBatchContext { try await entries.loadRequired((3, 1077)) }
            }
            #expect(
                "\(required.map { "\($0)" } ?? "")"
                    == #"no row in "playlist_tracks" where "(playlist_id, track_id)" = (3, 1077)"#
            )
        }
    }

    @Test("three-column keys match exactly the rows a direct query of the three columns finds")
    func threeColumnKeys() async throws {
        try await withFixtureDatabase("chinook") { db in
            let items = db.loader(
                InvoiceItem.self,
                table: "invoice_items",
                keys: ("invoice_id", "track_id", "quantity")
            )
            let expected = try await db.query(
                "SELECT id, invoice_id, track_id, quantity FROM invoice_items WHERE id % 7 = 0 ORDER BY id",
                as: InvoiceItem.self
            )
            let keys = expected.map { ($0.invoiceID, $0.trackID, $0.quantity) } + [(1, 2, 2), (1, 3, 1)]
            db.queryLog.clear()
            let rows = try await withBatchContext { try await items.loadAll(keys) }
            #expect(expected.count == 320)
            #expect(rows.compactMap { $0 } == expected)
            #expect(rows.suffix(2).allSatisfy { $0 == nil })
            #expect(loaderQueries(db).count == 1)
        }
    }

    @Test("a group loader on a composite key: each key's rows in order; ordered like a direct query")
    func groupLoaderOnCompositeKey() async throws {
        try await withFixtureDatabase("chinook") { db in
            let byAlbumAndGenre = db.groupLoader(
                Track.self,
                table: "tracks",
                keys: ("album_id", "genre_id"),
                orderBy: "id",
                descending: true
            )
            let pairs = try await db.query(
                "SELECT DISTINCT album_id, genre_id FROM tracks WHERE album_id <= 60 ORDER BY album_id, genre_id",
                as: AlbumGenre.self
            )
            db.queryLog.clear()
            let groups = try await withBatchContext {
                try await byAlbumAndGenre.loadAll(pairs.map { ($0.albumID, $0.genreID) } + [(1, 2)])
            }
            for (pair, group) in zip(pairs, groups) {
                let direct = try await db.query(
                    "SELECT id FROM tracks WHERE album_id = ? AND genre_id = ? ORDER BY id DESC",
                    [pair.albumID, pair.genreID],
                    as: Int.self
                )
                #expect(group.map(\.id) == direct)
                #expect(!direct.isEmpty)
            }
            #expect(groups.last?.isEmpty == true)
            #expect(groups.dropLast().map(\.count).reduce(0, +) == 767)
            #expect(loaderQueries(db).count == 1)
        }
    }

    @Test("text parts compare as SQLite compares them: NOCASE equates, canonical equivalents stay apart")
    func textPartsCompareAsSQLite() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE grants(who TEXT NOT NULL COLLATE NOCASE, what TEXT NOT NULL, level INTEGER NOT NULL,
                                    PRIMARY KEY (who, what));
                INSERT INTO grants VALUES ('Ann', 'read', 1), ('ann', 'write', 2), ('\u{E9}', 'read', 3),
                                          ('e\u{301}', 'read', 4), ('o"k', 'x''y', 5);
                """
            )
            struct Grant: Decodable, Sendable, Equatable {
                let who: String
                let level: Int
            }
            let grants: CompositeKeyLoader<(String, String), Grant> = db.loader(
                Grant.self,
                table: "grants",
                keys: ("who", "what")
            )
            let optional = db.loader(
                Grant.self,
                table: "grants",
                keys: ("who", "what"),
                keyTypes: (String?.self, String.self)
            )
            let keys = [
                ("ANN", "read"), ("ann", "READ"), ("aNN", "write"), ("\u{E9}", "read"), ("e\u{301}", "read"),
                ("o\"k", "x'y"),
            ]
            let (levels, nilKey, nul) = try await withBatchContext {
                let levels = try await grants.loadAll(keys).map { $0?.level }
                let nilKey = try await optional.load((nil, "read"))
                let nul = await grants.loadMany([("a\0b", "read")])
                return (levels, nilKey, nul)
            }
            #expect(levels == [1, nil, 2, 3, 4, 5])
            #expect(nilKey == nil)
            // A part with NUL is bound exactly, as a value: no row has it.
            #expect(try nul.first?.get() == .some(nil))
            // The two canonically equivalent strings are two keys; a `nil` key is never sent; the NUL key goes in a
            // statement of its own (its own tick), bound as values.
            #expect(loaderQueries(db).map(\.keyCount) == [6, 1])
            #expect(loaderQueries(db).last?.sql.contains("(VALUES (0,?,?)") == true)
        }
    }

    @Test("many keys (300,000 with GBATCHY_MANY_KEYS=300000) in one statement; an empty list runs none")
    func threeHundredThousandKeys() async throws {
        try await withFixtureDatabase("chinook") { db in
            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            let all = try await db.query(
                "SELECT id, playlist_id, track_id FROM playlist_tracks ORDER BY id",
                as: PlaylistTrack.self
            )
            // Every entry, then misses up to 300,000 keys.
            let keys =
                all.map { ($0.playlistID, $0.trackID) }
                + (0..<max(0, Self.manyKeys - all.count)).map { (19 + $0 % 7, $0) }
            db.queryLog.clear()
            let (rows, empty) = try await withBatchContext {
                (try await entries.loadAll(keys), await entries.loadMany([]))
            }
            #expect(rows.count == max(Self.manyKeys, all.count))
            #expect(Array(rows.prefix(all.count)) == all.map { Optional($0) })
            #expect(rows.dropFirst(all.count).allSatisfy { $0 == nil })
            #expect(empty.isEmpty)
            #expect(loaderQueries(db).map(\.keyCount) == [rows.count])
            #expect(loaderQueries(db).map(\.rowCount) == [all.count])
        }
    }

    @Test("a write to the table clears the loader in the context; other contexts keep theirs")
    func writeInvalidation() async throws {
        try await withFixtureDatabase("chinook") { db in
            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            let (before, after) = try await withBatchContext {
                let before = try await entries.load((9, 1))
                try await db.execute("INSERT INTO playlist_tracks(id, playlist_id, track_id) VALUES (9000, 9, 1)")
                return (before, try await entries.load((9, 1)))
            }
            #expect(before == nil)
            #expect(after == PlaylistTrack(id: 9000, playlistID: 9, trackID: 1))
            #expect(loaderQueries(db).count == 2)
        }
    }

    @Test("cancelling one waiter: the other keys of the batch get their rows")
    func cancellingOneWaiter() async throws {
        try await withFixtureDatabase("chinook") { db in
            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            try await withBatchContext {
                let first = spawn { try await entries.load((1, 1)) }
                let second = spawn { try await entries.load((1, 2)) }
                // Tasks of a context run in order: this one runs after both loads are queued, before the tick.
                let canceller = spawn { first.cancel() }
                try await canceller.value
                await #expect(throws: CancellationError.self) { try await first.value }
                #expect(try await second.value?.id == 2)
            }
        }
    }

    @Test("unknown and hostile key columns fail with a SchemaError naming the column; a renamed one is drift")
    func schemaErrorsAndDrift() async throws {
        try await withFixtureDatabase("chinook") { db in
            for columns in [
                ("playlist_id", "trak_id"), ("playlist_id\"; DROP TABLE tracks; --", "track_id"),
                ("playlist_id", "track_id\0"),
            ] {
                let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: columns)
                let error = await capture { _ = try await withBatchContext { try await entries.load((1, 1)) } }
                let schemaError = try #require(error as? SchemaError)
                #expect(schemaError.code == .unknownColumn)
                #expect(schemaError.role == "a key column")
                #expect(schemaError.column == (columns.0 == "playlist_id" ? columns.1 : columns.0))
            }
            #expect(try await count("tracks", in: db) == 3503)

            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            #expect(try await withBatchContext { try await entries.load((1, 1)) }?.id == 1)
            try await db.execute("ALTER TABLE playlist_tracks RENAME COLUMN track_id TO song_id")
            let error = await capture { _ = try await withBatchContext { try await entries.load((1, 2)) } }
            #expect((error as? SchemaError)?.column == "track_id")
            try await db.execute("ALTER TABLE playlist_tracks RENAME COLUMN song_id TO track_id")
            #expect(try await withBatchContext { try await entries.load((1, 2)) }?.id == 2)
        }
    }
}

struct AlbumGenre: Decodable, Sendable {
    let albumID: Int
    let genreID: Int

    enum CodingKeys: String, CodingKey {
        case albumID = "album_id"
        case genreID = "genre_id"
    }
}
