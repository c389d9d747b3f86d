import Foundation
import GBatchy
import GBatchySQL
import Graphiti

/// The GraphQL API of the G rows: Graphiti over four Chinook tables (albums, artists, tracks, genres).
///
/// The schema is written once; its resolvers read the rows through a ``ChinookStore``, either GBatchy's table loaders
/// over SQLite (``LoaderChinookStore``) or dictionaries filled before the first request (``MemoryChinookStore``), so
/// that the two sides run the same GraphQL engine on the same schema and differ only in where the rows come from.
struct ChinookAPI: API {
    let resolver = ChinookResolver()
    let schema: Schema<ChinookResolver, ChinookContext>

    /// The query of the G rows: 100 albums with their artist, the artist's albums, and their tracks with genre and
    /// album.
    static let benchmarkQuery = """
        { albums(first: 100) { id title artist { name albums { title } } tracks { name genre { name } album { title } } } }
        """

    init() throws {
        schema = try Schema<ChinookResolver, ChinookContext> {
            Type(ChinookAlbum.self, as: "Album") {
                Field("id", at: \.id)
                Field("title", at: \.title)
                Field("artist", at: ChinookAlbum.artist)
                Field("tracks", at: ChinookAlbum.tracks)
            }
            Type(ChinookArtist.self, as: "Artist") {
                Field("id", at: \.id)
                Field("name", at: \.name)
                Field("albums", at: ChinookArtist.albums)
            }
            Type(ChinookTrack.self, as: "Track") {
                Field("id", at: \.id)
                Field("name", at: \.name)
                Field("genre", at: ChinookTrack.genre)
                Field("album", at: ChinookTrack.album)
            }
            Type(ChinookGenre.self, as: "Genre") {
                Field("id", at: \.id)
                Field("name", at: \.name)
            }
            Query {
                Field("albums", at: ChinookResolver.albums) {
                    Argument("first", at: \.first)
                }
            }
        }
    }

    /// Runs `request` as a server does, up to its result (not encoded), and fails if the result has errors.
    @discardableResult
    func request(_ request: String, store: any ChinookStore) async throws -> some Encodable & Sendable {
        let result = try await execute(request: request, context: ChinookContext(store: store))
        guard result.errors.isEmpty else {
            throw BenchError("GraphQL request failed: \(result.errors.map(\.message).joined(separator: "; "))")
        }
        return result
    }

    /// Runs `request` and returns its result as JSON with sorted keys, so that two runs compare byte for byte.
    func json(_ request: String, store: any ChinookStore) async throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(try await self.request(request, store: store))
    }
}

/// What every resolver is given: where the rows come from.
struct ChinookContext: Sendable {
    let store: any ChinookStore
}

/// The root resolver: `albums(first:)`.
struct ChinookResolver: Sendable {
    struct FirstArguments: Codable, Sendable {
        let first: Int
    }

    func albums(context: ChinookContext, arguments: FirstArguments) async throws -> [ChinookAlbum] {
        guard arguments.first >= 0 else {
            throw BenchError("albums(first: \(arguments.first)): `first` must not be negative")
        }
        return try await context.store.firstAlbums(arguments.first)
    }
}

/// A row of `albums`.
struct ChinookAlbum: Codable, Sendable, Equatable {
    let id: Int
    let title: String
    let artistID: Int

    enum CodingKeys: String, CodingKey {
        case id, title
        case artistID = "artist_id"
    }

    func artist(context: ChinookContext, arguments: NoArguments) async throws -> ChinookArtist? {
        try await context.store.artist(artistID)
    }

    func tracks(context: ChinookContext, arguments: NoArguments) async throws -> [ChinookTrack] {
        try await context.store.tracks(ofAlbum: id)
    }
}

/// A row of `artists`.
struct ChinookArtist: Codable, Sendable, Equatable {
    let id: Int
    let name: String?

    func albums(context: ChinookContext, arguments: NoArguments) async throws -> [ChinookAlbum] {
        try await context.store.albums(byArtist: id)
    }
}

/// A row of `tracks` (the columns the schema reads).
struct ChinookTrack: Codable, Sendable, Equatable {
    let id: Int
    let name: String
    let albumID: Int?
    let genreID: Int?

    enum CodingKeys: String, CodingKey {
        case id, name
        case albumID = "album_id"
        case genreID = "genre_id"
    }

    func genre(context: ChinookContext, arguments: NoArguments) async throws -> ChinookGenre? {
        guard let genreID else { return nil }
        return try await context.store.genre(genreID)
    }

    func album(context: ChinookContext, arguments: NoArguments) async throws -> ChinookAlbum? {
        guard let albumID else { return nil }
        return try await context.store.album(albumID)
    }
}

/// A row of `genres`.
struct ChinookGenre: Codable, Sendable, Equatable {
    let id: Int
    let name: String?
}

/// Where the resolvers read rows. Lists come in `id` order.
protocol ChinookStore: Sendable {
    /// The first `count` albums by id.
    func firstAlbums(_ count: Int) async throws -> [ChinookAlbum]
    func album(_ id: Int) async throws -> ChinookAlbum?
    func artist(_ id: Int) async throws -> ChinookArtist?
    func albums(byArtist artistID: Int) async throws -> [ChinookAlbum]
    func tracks(ofAlbum albumID: Int) async throws -> [ChinookTrack]
    func genre(_ id: Int) async throws -> ChinookGenre?
}

/// The SQL of the statements both stores run.
private enum ChinookSQL {
    static let albums = "SELECT id, title, artist_id FROM albums"
    static let artists = "SELECT id, name FROM artists"
    static let tracks = "SELECT id, name, album_id, genre_id FROM tracks"
    static let genres = "SELECT id, name FROM genres"
}

/// The rows through GBatchy's table loaders: each resolver loads one key, and each loader sends one statement per
/// tick. Run every request inside `withBatchContext`, where the loaders' queues and caches live.
struct LoaderChinookStore: ChinookStore {
    let db: SQLiteSource
    let albums: TableLoader<Int, ChinookAlbum>
    let artists: TableLoader<Int, ChinookArtist>
    let albumsByArtist: GroupLoader<Int, ChinookAlbum>
    let tracksByAlbum: GroupLoader<Int, ChinookTrack>
    let genres: TableLoader<Int, ChinookGenre>

    /// The queries of one request of ``ChinookAPI/benchmarkQuery``, whatever the number of albums: the root list, then
    /// `artists` and `tracks[album_id]` in the first tick, `albums[artist_id]` and `genres` in the second (the tracks'
    /// albums are all cached, primed by the root list).
    static let queriesPerRequest = 5
    /// The ticks of one request of ``ChinookAPI/benchmarkQuery``: one per level of the query below the root list.
    static let ticksPerRequest = 2

    init(db: SQLiteSource) {
        self.db = db
        albums = db.loader(ChinookAlbum.self, table: "albums", key: "id")
        artists = db.loader(ChinookArtist.self, table: "artists", key: "id")
        albumsByArtist = db.groupLoader(ChinookAlbum.self, table: "albums", key: "artist_id", orderBy: "id")
        tracksByAlbum = db.groupLoader(ChinookTrack.self, table: "tracks", key: "album_id", orderBy: "id")
        genres = db.loader(ChinookGenre.self, table: "genres", key: "id")
    }

    func firstAlbums(_ count: Int) async throws -> [ChinookAlbum] {
        let rows = try await db.query("\(ChinookSQL.albums) ORDER BY id LIMIT ?", [count], as: ChinookAlbum.self)
        // As a DataLoader server does: the list's rows are in the cache for the albums loaded by key later on.
        for row in rows { albums.prime(row.id, row) }
        return rows
    }

    func album(_ id: Int) async throws -> ChinookAlbum? { try await albums.load(id) }
    func artist(_ id: Int) async throws -> ChinookArtist? { try await artists.load(id) }
    func albums(byArtist artistID: Int) async throws -> [ChinookAlbum] { try await albumsByArtist.load(artistID) }
    func tracks(ofAlbum albumID: Int) async throws -> [ChinookTrack] { try await tracksByAlbum.load(albumID) }
    func genre(_ id: Int) async throws -> ChinookGenre? { try await genres.load(id) }
}

/// The floor: every row read once, before the first request, into dictionaries; no loader, no context, no I/O.
struct MemoryChinookStore: ChinookStore {
    let albumsInOrder: [ChinookAlbum]
    let albumsByID: [Int: ChinookAlbum]
    let artistsByID: [Int: ChinookArtist]
    let albumsByArtist: [Int: [ChinookAlbum]]
    let tracksByAlbum: [Int: [ChinookTrack]]
    let genresByID: [Int: ChinookGenre]

    /// Reads the four tables whole.
    static func load(from db: SQLiteSource) async throws -> MemoryChinookStore {
        let albums = try await db.query("\(ChinookSQL.albums) ORDER BY id", as: ChinookAlbum.self)
        let artists = try await db.query(ChinookSQL.artists, as: ChinookArtist.self)
        let tracks = try await db.query("\(ChinookSQL.tracks) ORDER BY id", as: ChinookTrack.self)
        let genres = try await db.query(ChinookSQL.genres, as: ChinookGenre.self)
        var tracksByAlbum: [Int: [ChinookTrack]] = [:]
        for track in tracks {
            if let albumID = track.albumID { tracksByAlbum[albumID, default: []].append(track) }
        }
        return MemoryChinookStore(
            albumsInOrder: albums,
            albumsByID: Dictionary(albums.map { ($0.id, $0) }) { first, _ in first },
            artistsByID: Dictionary(artists.map { ($0.id, $0) }) { first, _ in first },
            albumsByArtist: Dictionary(grouping: albums, by: \.artistID),
            tracksByAlbum: tracksByAlbum,
            genresByID: Dictionary(genres.map { ($0.id, $0) }) { first, _ in first }
        )
    }

    func firstAlbums(_ count: Int) async throws -> [ChinookAlbum] { Array(albumsInOrder.prefix(count)) }
    func album(_ id: Int) async throws -> ChinookAlbum? { albumsByID[id] }
    func artist(_ id: Int) async throws -> ChinookArtist? { artistsByID[id] }
    func albums(byArtist artistID: Int) async throws -> [ChinookAlbum] { albumsByArtist[artistID] ?? [] }
    func tracks(ofAlbum albumID: Int) async throws -> [ChinookTrack] { tracksByAlbum[albumID] ?? [] }
    func genre(_ id: Int) async throws -> ChinookGenre? { genresByID[id] }
}

/// The Chinook fixture (`Fixtures/chinook`) in a SQLite file of a temporary folder.
enum ChinookDatabase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/chinook", isDirectory: true)

    /// Builds the database from `schema.sql` and `data.sql` in a new temporary folder, runs `body` on it with the
    /// query log on, then closes it and removes the folder.
    static func withDatabase<T>(_ body: (SQLiteSource) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("gbatchy-bench-chinook-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = try SQLiteSource(path: folder.appendingPathComponent("chinook.sqlite").path)
        do {
            for script in ["schema.sql", "data.sql"] {
                let url = fixtures.appendingPathComponent(script)
                guard let sql = try? String(contentsOf: url, encoding: .utf8) else {
                    throw BenchError("cannot read the Chinook fixture \(url.path)")
                }
                try await db.execute(sql)
            }
            try await db.execute("ANALYZE")
            db.queryLog.clear()
            let value = try await body(db)
            await db.close()
            return value
        } catch {
            await db.close()
            throw error
        }
    }
}
