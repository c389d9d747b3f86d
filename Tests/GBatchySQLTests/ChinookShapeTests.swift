import Foundation
import GBatchy
import GBatchySQL
import Testing

/// A track with its length, for the top-N shape.
struct TimedTrack: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
    let milliseconds: Int
}

/// A track with the key it was read for (`album_id`, or a playlist's id under that name), for the oracles.
struct AlbumTrack: Decodable, Sendable {
    let id: Int
    let name: String
    let milliseconds: Int
    let albumID: Int?

    enum CodingKeys: String, CodingKey {
        case id, name, milliseconds
        case albumID = "album_id"
    }

    var track: TimedTrack { TimedTrack(id: id, name: name, milliseconds: milliseconds) }
}

/// The loader shapes on Chinook, each answer checked against SQLite's own per-key query.
@Suite("Loader shapes on Chinook", .timeLimit(.minutes(1)))
struct ChinookShapeTests {
    @Test func theThreeLongestTracksOfEveryAlbumInOneStatement() async throws {
        try await withFixtureDatabase("chinook") { db in
            let longest = db.groupLoader(
                TimedTrack.self,
                table: "tracks",
                key: "album_id",
                orderBy: "milliseconds",
                descending: true,
                limit: 3
            )
            let albumIDs = Array(1...347)
            let groups = try await withBatchContext { try await longest.loadAll(albumIDs) }
            #expect(loaderQueries(db).count == 1)
            // The oracle: every track, sorted by SQLite, cut to three per album here.
            let all = try await db.query(
                "SELECT id, name, milliseconds, album_id FROM tracks ORDER BY album_id, milliseconds DESC",
                as: AlbumTrack.self
            )
            let expected = Dictionary(grouping: all, by: \.albumID).mapValues { $0.prefix(3).map(\.track) }
            for (album, tracks) in zip(albumIDs, groups) {
                #expect(tracks == expected[album] ?? [], "album \(album)")
            }
            let short: Int = groups.map { 3 - $0.count }.reduce(0, +)
            #expect(groups.joined().count == 347 * 3 - short)
            #expect(short > 0)  // albums of one or two tracks answer what they have
        }
    }

    @Test func aTrackCountPerGenreAndLongTracksPerGenre() async throws {
        try await withFixtureDatabase("chinook") { db in
            let trackCount = db.countLoader(table: "tracks", key: "genre_id")
            let hasLongTracks = db.existsLoader(table: "tracks", key: "genre_id", where: "milliseconds > ?", [600_000])
            let genreIDs = Array(0...26)
            let (counts, long) = try await withBatchContext {
                async let counts = trackCount.loadAll(genreIDs)
                async let long = hasLongTracks.loadAll(genreIDs)
                return try await (counts, long)
            }
            #expect(loaderQueries(db).count == 2)
            for (genre, (count, isLong)) in zip(genreIDs, zip(counts, long)) {
                let expected = try await db.query(
                    "SELECT count(*) AS n, count(CASE WHEN milliseconds > 600000 THEN 1 END) AS long FROM tracks"
                        + " WHERE genre_id = ?",
                    [genre],
                    as: SQLiteSourceRow.self
                )[0]
                #expect(expected["n"] == .integer(Int64(count)), "genre \(genre)")
                #expect((expected["long"] != .integer(0)) == isLong, "genre \(genre)")
            }
            #expect(counts.reduce(0, +) == 3503)
            #expect(counts[0] == 0 && counts[26] == 0)
        }
    }

    @Test func playlistsToTracksThroughPlaylistTracksPrimeTheTrackLoader() async throws {
        try await withFixtureDatabase("chinook") { db in
            let tracksOfPlaylist = db.groupLoader(
                TimedTrack.self,
                table: "tracks",
                through: "playlist_tracks",
                from: "playlist_id",
                to: "track_id",
                orderBy: "name"
            )
            let tracks = db.loader(TimedTrack.self, table: "tracks", key: "id")
            let playlistIDs = Array(1...18)
            try await withBatchContext {
                let groups = try await tracksOfPlaylist.loadAll(playlistIDs)
                let oracle = try await db.query(
                    "SELECT t.id, t.name, t.milliseconds, p.playlist_id AS album_id FROM playlist_tracks p"
                        + " JOIN tracks t ON t.id = p.track_id ORDER BY p.playlist_id, t.name",
                    as: AlbumTrack.self
                )
                let byPlaylist = Dictionary(grouping: oracle, by: \.albumID).mapValues { $0.map(\.track) }
                #expect(groups.joined().count == 8715)
                for (playlist, rows) in zip(playlistIDs, groups) {
                    let expected = byPlaylist[playlist] ?? []
                    #expect(rows.map(\.name) == expected.map(\.name), "playlist \(playlist)")
                    #expect(Set(rows.map(\.id)) == Set(expected.map(\.id)), "playlist \(playlist)")
                }
                // Identity: every track on a playlist is primed in the track loader.
                let onPlaylists = Array(Set(groups.joined().map(\.id))).sorted()
                let loaded = try await tracks.loadAll(onPlaylists)
                #expect(loaded.map { $0?.id } == onPlaylists)
                #expect(currentStatistics["tracks.id"].batchSizes == [])
            }
            #expect(loaderQueries(db).count == 1)
        }
    }
}
