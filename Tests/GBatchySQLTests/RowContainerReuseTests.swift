import Foundation
import GBatchy
import GBatchySQL
import Logging
import Testing

/// Rows of one execution share one keyed container. These tests decode rows whose type switches containers within a
/// row, and check that no container keeps a statement alive after its execution.
@Suite("Row container reuse", .timeLimit(.minutes(1)))
struct RowContainerReuseTests {
    /// A row that decodes a second type from the same decoder: two container types in every row.
    struct Listing: Decodable, Sendable, Equatable {
        var id: Int
        var title: String
        var price: Price

        enum CodingKeys: String, CodingKey {
            case id, title
        }

        init(id: Int, title: String, price: Price) {
            self.id = id
            self.title = title
            self.price = price
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            price = try Price(from: decoder)
            // Read after the nested type has taken the decoder's container: this one must still be this row's.
            id = try container.decode(Int.self, forKey: .id)
            title = try container.decode(String.self, forKey: .title)
        }
    }

    struct Price: Decodable, Sendable, Equatable {
        var amount: Double
        var currency: String
    }

    static let listings = [
        Listing(id: 1, title: "lamp", price: Price(amount: 12.5, currency: "EUR")),
        Listing(id: 2, title: "desk", price: Price(amount: 180, currency: "USD")),
        Listing(id: 3, title: "chair", price: Price(amount: 45.25, currency: "GBP")),
    ]

    func makeListings(_ db: SQLiteSource) async throws {
        try await db.execute(
            """
            CREATE TABLE listings(id INTEGER PRIMARY KEY, title TEXT NOT NULL, amount REAL NOT NULL,
                                  currency TEXT NOT NULL);
            INSERT INTO listings VALUES (1, 'lamp', 12.5, 'EUR'), (2, 'desk', 180, 'USD'), (3, 'chair', 45.25, 'GBP');
            """
        )
    }

    @Test func aRowThatSwitchesContainerTypesDecodesEveryRowRight() async throws {
        try await withTemporaryDatabase { db, _ in
            try await makeListings(db)
            let queried = try await db.query(
                "SELECT id, title, amount, currency FROM listings ORDER BY id",
                as: Listing.self
            )
            #expect(queried == Self.listings)

            let loader = db.loader(Listing.self, table: "listings", key: "id", keyType: Int.self)
            let loaded = try await withBatchContext { try await loader.loadAll([3, 1, 2]) }
            #expect(loaded == [Self.listings[2], Self.listings[0], Self.listings[1]])
        }
    }

    @Test func twoRowTypesTakeTurnsOnOneStatement() async throws {
        try await withTemporaryDatabase { db, _ in
            try await makeListings(db)
            let sql = "SELECT id, title, amount, currency FROM listings ORDER BY id"
            for _ in 0..<3 {
                #expect(try await db.query(sql, as: Listing.self) == Self.listings)
                #expect(try await db.query(sql, as: Price.self) == Self.listings.map(\.price))
            }
        }
    }

    @Test func noStatementOutlivesItsExecution() async throws {
        let log = CapturedLog()
        var configuration = SQLiteSource.Configuration(readerCount: 2, statementCacheCapacity: 2)
        configuration.logger = Logger(label: "row-container-reuse") { _ in log }
        configuration.logger.logLevel = .debug
        try await withTemporaryDatabase(configuration: configuration) { db, _ in
            try await makeListings(db)
            // More distinct statements than the cache holds, each decoding rows, so that statements are evicted
            // after their rows were decoded; and one execution that stops at a decoding error.
            for limit in 1...6 {
                let rows = try await db.query(
                    "SELECT id, title, amount, currency FROM listings ORDER BY id LIMIT \(limit)",
                    as: Listing.self
                )
                #expect(rows == Array(Self.listings.prefix(limit)))
            }
            let failure = await capture {
                _ = try await db.query("SELECT id, title, NULL AS amount, currency FROM listings", as: Listing.self)
            }
            #expect(failure is ColumnDecodingError)
        }
        #expect(!log.messages.contains { $0.contains("unfinalized") }, "\(log.messages)")
    }
}

/// A log handler that keeps every message, to check what the database logged.
final class CapturedLog: LogHandler, @unchecked Sendable {
    // `logged` is guarded by `lock`; the rest is set once, before the handler is shared.
    private let lock = NSLock()
    private var logged: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    var messages: [String] { lock.withLock { logged } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { logged.append("\(event.level): \(event.message)") }
    }
}
