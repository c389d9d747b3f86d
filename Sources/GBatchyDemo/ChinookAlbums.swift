import GBatchy
import GBatchySQL

/// `swift run gbatchy-demo chinook`: 40 albums of the Chinook dataset with their artist and the genres of their
/// tracks, loaded one row at a time: three ticks, one query per loader per tick.
enum ChinookAlbums {
    struct Album: Decodable, Sendable {
        let id: Int
        let title: String
        let artistID: Int
        enum CodingKeys: String, CodingKey { case id, title, artistID = "artist_id" }
    }

    struct Artist: Decodable, Sendable {
        let id: Int
        let name: String?
    }

    struct Track: Decodable, Sendable {
        let id: Int
        let genreID: Int?
        enum CodingKeys: String, CodingKey { case id, genreID = "genre_id" }
    }

    struct Genre: Decodable, Sendable {
        let id: Int
        let name: String?
    }

    /// One line of the listing.
    struct Line: Sendable {
        let album: Album
        let artist: String
        let trackCount: Int
        let genres: [String]
    }

    static func run() async throws {
        try await FixtureDatabase.withDatabase("chinook") { db in
            let albums = db.loader(Album.self, table: "albums", key: "id")
            let artists = db.loader(Artist.self, table: "artists", key: "id")
            let tracksByAlbum = db.groupLoader(Track.self, table: "tracks", key: "album_id", orderBy: "id")
            let genres = db.loader(Genre.self, table: "genres", key: "id")

            let (lines, statistics) = try await withBatchContext {
                let lines = try await pmap(1...40) { id -> Line? in
                    guard let album = try await albums.load(id) else { return nil }
                    async let artist = artists.load(album.artistID)
                    async let tracks = tracksByAlbum.load(album.id)
                    let (by, albumTracks) = try await (artist, tracks)
                    var names: [String] = []
                    for genre in try await genres.loadAll(albumTracks.compactMap(\.genreID)) {
                        if let name = genre?.name, !names.contains(name) { names.append(name) }
                    }
                    return Line(album: album, artist: by?.name ?? "?", trackCount: albumTracks.count, genres: names)
                }
                return (lines.compactMap { $0 }, BatchContext.current!.statistics)
            }

            for line in lines.prefix(8) {
                print(
                    "#\(line.album.id) \(line.album.title) — \(line.artist): \(counted(line.trackCount, "track")), "
                        + line.genres.joined(separator: ", ")
                )
            }
            print("… \(lines.count) albums, \(lines.reduce(0) { $0 + $1.trackCount }) tracks")
            print("")
            let queries = db.queryLog.entries.filter { $0.keyCount != nil }
            print("\(statistics.ticks) ticks, \(queries.count) queries (one per loader per tick):")
            for name in ["albums.id", "artists.id", "tracks.album_id[]", "genres.id"] {
                print("  \(name): batches of \(statistics[name].batchSizes) keys")
            }
        }
    }
}
