import GBatchy
import GBatchySQL

/// `swift run gbatchy-demo shapes`: a Chinook page built from the loader shapes, one statement per loader per tick:
/// the first playlists (a list), their tracks (many-to-many through `playlist_tracks`), the three longest tracks of
/// each of their albums (top N per key), a track count per genre (count), and whether each genre has a track of more
/// than ten minutes (exists, with a filter).
enum ChinookShapes {
    struct Playlist: Decodable, Sendable {
        let id: Int
        let name: String?
    }

    struct Track: Decodable, Sendable {
        let id: Int
        let name: String
        let albumID: Int?
        let genreID: Int?
        let milliseconds: Int
        enum CodingKeys: String, CodingKey {
            case id, name, milliseconds
            case albumID = "album_id"
            case genreID = "genre_id"
        }
    }

    struct Genre: Decodable, Sendable {
        let id: Int
        let name: String?
    }

    static func run() async throws {
        try await FixtureDatabase.withDatabase("chinook") { db in
            let playlists = db.loader(Playlist.self, table: "playlists", key: "id")
            let tracksOfPlaylist = db.groupLoader(
                Track.self,
                table: "tracks",
                through: "playlist_tracks",
                from: "playlist_id",
                to: "track_id",
                orderBy: "name"
            )
            let longestOfAlbum = db.groupLoader(
                Track.self,
                table: "tracks",
                key: "album_id",
                orderBy: "milliseconds",
                descending: true,
                limit: 3
            )
            let tracks = db.loader(Track.self, table: "tracks", key: "id")
            let genres = db.loader(Genre.self, table: "genres", key: "id")
            let trackCount = db.countLoader(table: "tracks", key: "genre_id")
            let hasLongTracks = db.existsLoader(table: "tracks", key: "genre_id", where: "milliseconds > ?", [600_000])

            let statistics = try await withBatchContext {
                // Tick 1: the root of the page, a list.
                let lists = try await playlists.list(where: "name LIKE ?", ["%Classical%"], orderBy: "id")
                // Tick 2: each playlist's tracks, one statement for all of them.
                let contents = try await tracksOfPlaylist.loadAll(lists.map(\.id))
                let pages = try await pmap(Array(zip(lists, contents))) { entry -> [String] in
                    let (playlist, songs) = entry
                    var lines = ["\(playlist.name ?? "?") (#\(playlist.id)): \(counted(songs.count, "track"))"]
                    guard let album = songs.compactMap(\.albumID).min() else { return lines }
                    // Tick 3: each first album's three longest tracks (the first track was primed by tick 2).
                    async let longest = longestOfAlbum.load(album)
                    async let first = tracks.load(songs[0].id)
                    let (top, song) = try await (longest, first)
                    lines.append("  first track: \(song?.name ?? "?")")
                    lines.append("  the 3 longest tracks of album #\(album):")
                    for track in top { lines.append("    \(track.name) — \(track.milliseconds / 1000) s") }
                    return lines
                }
                for line in pages.joined() { print(line) }
                // Tick 4: every genre of those tracks, its track count and whether it has a track over 10 minutes.
                let genreIDs = Array(Set(contents.joined().compactMap(\.genreID))).sorted()
                async let names = genres.loadAll(genreIDs)
                async let counts = trackCount.loadAll(genreIDs)
                async let long = hasLongTracks.loadAll(genreIDs)
                let (genreRows, trackCounts, longFlags) = try await (names, counts, long)
                print("genres on these playlists:")
                for (genre, (count, isLong)) in zip(genreRows, zip(trackCounts, longFlags)) {
                    let note = isLong ? ", some over 10 minutes" : ""
                    print("  \(genre?.name ?? "?"): \(counted(count, "track")) in the store\(note)")
                }
                return BatchContext.current!.statistics
            }
            print("")
            let queries = db.queryLog.entries.filter { $0.keyCount != nil }
            print("\(statistics.ticks) ticks, \(queries.count) statements (one per loader per tick):")
            for query in queries { print("  \(query.sql)") }
        }
    }
}
