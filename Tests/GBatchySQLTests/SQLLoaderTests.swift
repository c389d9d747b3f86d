import Foundation
import GBatchy
import GBatchySQL
import Testing

struct Invoice: Decodable, Sendable, Equatable {
    let id: Int
    let customerID: Int
    let total: Double

    enum CodingKeys: String, CodingKey {
        case id, total
        case customerID = "customer_id"
    }
}

/// Custom SQL, still batched (issue #11, shape 7): `db.sqlLoader(…, key:, reads:, sql:, values)`.
@Suite("Custom SQL loaders", .timeLimit(.minutes(1)))
struct SQLLoaderTests {
    static let bigInvoicesSQL = "SELECT * FROM invoices WHERE customer_id IN (:keys) AND total > ? ORDER BY id DESC"

    @Test("each key its rows in the statement's order, one statement per tick, the keys bound as one JSON array")
    func rowsPerKeyInStatementOrder() async throws {
        try await withFixtureDatabase("chinook") { db in
            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            let (groups, stats) = try await withBatchContext {
                (try await big.loadAll([1, 2, 59, 1, 60, 0]), currentStatistics)
            }
            #expect(
                groups.map { $0.map(\.id) } == [
                    [382, 327, 143], [241, 67, 12], [284, 229, 45], [382, 327, 143], [], [],
                ]
            )
            #expect(groups.joined().allSatisfy { $0.total > 5 })
            #expect(stats["sql.customer_id"].batchSizes == [5])
            let queries = loaderQueries(db)
            #expect(queries.count == 1)
            #expect(queries.first?.keyCount == 5)
            #expect(queries.first?.table == "invoices")
            #expect(
                queries.first?.sql
                    == "SELECT * FROM invoices WHERE customer_id IN (SELECT +value FROM main.json_each(:keys)) AND"
                    + " total > ? ORDER BY id DESC"
            )
            // Every customer at once matches the direct query of each.
            let all = try await withBatchContext { try await big.loadAll(1...59) }
            for (customer, rows) in zip(1...59, all) {
                let direct = try await db.query(
                    "SELECT id FROM invoices WHERE customer_id = ? AND total > 5 ORDER BY id DESC",
                    [customer],
                    as: Int.self
                )
                #expect(rows.map(\.id) == direct)
            }
            #expect(all.joined().count == 179)
        }
    }

    @Test("the :keys marker among numbered parameters, in any case of names; literals and comments do not count")
    func markerPositionsAndLiterals() async throws {
        try await withFixtureDatabase("chinook") { db in
            let sql = """
                SELECT id, customer_id, total, ':keys' AS note FROM invoices -- not :keys
                WHERE total > ?1 /* :keys */ AND customer_id IN ( :keys ) AND "id" < ?3 + ? ORDER BY total, id;
                -- a trailing comment is no second statement ;
                """
            let loader = db.sqlLoader(Invoice.self, key: "CUSTOMER_ID", reads: ["INVOICES"], sql: sql, [5, 1000, 0])
            let rows = try await withBatchContext { try await loader.load(2) }
            #expect(rows.map(\.id) == [241, 67, 12])  // totals 5.94, 8.91, 13.86
        }
    }

    @Test("hostile statements are refused before they run, with errors naming what is wrong")
    func hostileStatements() async throws {
        try await withFixtureDatabase("chinook") { db in
            func error(
                _ sql: String,
                key: String = "customer_id",
                reads: [String] = ["invoices"],
                _ values: [any SQLiteBindable] = []
            )
                async -> SQLLoaderError?
            {
                let loader = db.sqlLoader(Invoice.self, key: key, reads: reads, sql: sql, values)
                return await capture { _ = try await withBatchContext { try await loader.load(1) } } as? SQLLoaderError
            }
            let second = await error(
                "SELECT * FROM invoices WHERE customer_id IN (:keys); DELETE FROM invoices"
            )
            #expect(second?.code == .multipleStatements)
            #expect(second?.description.contains("`DELETE FROM invoices`") == true)
            let garbage = await error("SELECT * FROM invoices WHERE customer_id IN (:keys); nonsense")
            #expect(garbage?.code == .multipleStatements)
            let write = await error("DELETE FROM invoices WHERE customer_id IN (:keys) RETURNING *")
            #expect(write?.code == .notReadOnly)
            let update = await error(
                "UPDATE invoices SET total = 0 WHERE customer_id IN (:keys) RETURNING id, customer_id, total"
            )
            #expect(update?.code == .notReadOnly)
            let none = await error("SELECT * FROM invoices WHERE customer_id IN (SELECT 1)")
            #expect(none?.code == .keysMarker)
            #expect(none?.detail == "0")
            let literal = await error("SELECT * FROM invoices WHERE customer_id IN (':keys')")
            #expect(literal?.code == .keysMarker)
            let two = await error("SELECT * FROM invoices WHERE customer_id IN (:keys) OR id IN (:keys)")
            #expect(two?.code == .keysMarker)
            #expect(two?.detail == "2")
            #expect(
                two?.description.hasPrefix("the statement of sqlLoader \"sql.customer_id\" has 2 :keys markers") == true
            )
            let noKeyColumn = await error("SELECT id, total FROM invoices WHERE customer_id IN (:keys)")
            #expect(noKeyColumn?.code == .missingKeyColumn)
            #expect(noKeyColumn?.detail == #""customer_id"; its result columns are: id, total"#)
            let values = await error("SELECT * FROM invoices WHERE customer_id IN (:keys) AND total > ?")
            #expect(values?.code == .argumentCount)
            let undeclared = await error(
                "SELECT i.* FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE c.id IN (:keys)"
            )
            #expect(undeclared?.code == .undeclaredTable)
            #expect(undeclared?.detail == "customers")
            // Through a view: its base table must be declared.
            try await db.execute("CREATE VIEW big_invoices AS SELECT * FROM invoices WHERE total > 10")
            let view = await error("SELECT * FROM big_invoices WHERE customer_id IN (:keys)", reads: ["big_invoices"])
            #expect(view?.code == .undeclaredTable)
            #expect(view?.detail == "invoices")
            let syntax = await capture {
                let loader = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: "SELEC :keys")
                _ = try await withBatchContext { try await loader.load(1) }
            }
            #expect(syntax is SQLiteSourceError)
            #expect(try await count("invoices", in: db) == 412)
            #expect(try await db.query("SELECT count(*) FROM invoices WHERE total = 0", as: Int.self) == [0])
            #expect(loaderQueries(db).isEmpty)
        }
    }

    @Test("a write to a declared table clears the loader in the context")
    func writeInvalidation() async throws {
        try await withFixtureDatabase("chinook") { db in
            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            let (before, after) = try await withBatchContext {
                let before = try await big.load(1).map(\.id)
                try await db.execute("UPDATE invoices SET total = 1 WHERE id = 327")
                return (before, try await big.load(1).map(\.id))
            }
            #expect(before == [382, 327, 143])
            #expect(after == [382, 143])
            #expect(loaderQueries(db).count == 2)
        }
    }

    @Test("many keys (300,000 with GBATCHY_MANY_KEYS=300000) in one statement; an empty list and nil keys run none")
    func manyKeysAndEmpty() async throws {
        try await withFixtureDatabase("chinook") { db in
            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            let optional = db.sqlLoader(
                Invoice.self,
                key: "customer_id",
                keyType: Int?.self,
                reads: ["invoices"],
                sql: Self.bigInvoicesSQL,
                [5]
            )
            let keyCount = CompositeKeyLoaderTests.manyKeys
            let (groups, empty, none) = try await withBatchContext {
                (try await big.loadAll(1...keyCount), await big.loadMany([]), try await optional.load(nil))
            }
            #expect(groups.count == keyCount)
            #expect(groups.joined().count == 179)
            #expect(empty.isEmpty && none.isEmpty)
            #expect(loaderQueries(db).map(\.keyCount) == [keyCount])
        }
    }

    @Test("cancelling one waiter: the other keys of the batch get their rows")
    func cancellingOneWaiter() async throws {
        try await withFixtureDatabase("chinook") { db in
            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            try await withBatchContext {
                let first = spawn { try await big.load(1) }
                let second = spawn { try await big.load(2) }
                let canceller = spawn { first.cancel() }
                try await canceller.value
                await #expect(throws: CancellationError.self) { try await first.value }
                #expect(try await second.value.map(\.id) == [241, 67, 12])
            }
        }
    }

    @Test("a row whose key column is no key of the batch fails it; schema drift fails, then heals")
    func unmatchedRowsAndDrift() async throws {
        try await withFixtureDatabase("chinook") { db in
            let upper = db.sqlLoader(
                Invoice.self,
                key: "customer_id",
                reads: ["invoices"],
                sql: "SELECT id, customer_id + 1000 AS customer_id, total FROM invoices WHERE customer_id IN (:keys)"
            )
            let error = await capture { _ = try await withBatchContext { try await upper.load(1) } }
            #expect((error as? TableLoaderError)?.code == .unreadableKey)
            #expect((error as? TableLoaderError)?.key == "INTEGER 1001")

            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            #expect(try await withBatchContext { try await big.load(2) }.count == 3)
            try await db.execute("ALTER TABLE invoices RENAME COLUMN total TO amount")
            let drift = await capture { _ = try await withBatchContext { try await big.load(2) } }
            #expect((drift as? SQLiteSourceError)?.message.contains("total") == true)
            try await db.execute("ALTER TABLE invoices RENAME COLUMN amount TO total")
            #expect(try await withBatchContext { try await big.load(2) }.count == 3)
        }
    }

    @Test("the three new shapes loaded in one tick run in one read transaction, one statement each")
    func newShapesShareTheTicksSnapshot() async throws {
        try await withFixtureDatabase("chinook") { db in
            let big = db.sqlLoader(Invoice.self, key: "customer_id", reads: ["invoices"], sql: Self.bigInvoicesSQL, [5])
            let entries = db.loader(PlaylistTrack.self, table: "playlist_tracks", keys: ("playlist_id", "track_id"))
            let tracksPage = db.pageLoader(Track.self, table: "tracks", key: "album_id", orderBy: "name")
            let (invoices, entry, page) = try await withBatchContext {
                async let invoices = big.load(1)
                async let entry = entries.load((1, 1))
                async let page = tracksPage.load(1, first: 3)
                return try await (invoices, entry, page)
            }
            #expect(invoices.map(\.id) == [382, 327, 143])
            #expect(entry?.id == 1)
            #expect(page.rows.count == 3 && page.hasNextPage)
            let log = db.queryLog.entries.map(\.sql)
            #expect(log.first == "BEGIN DEFERRED")
            #expect(log.last == "COMMIT")
            #expect(log.filter { $0 == "BEGIN DEFERRED" }.count == 1, "\(log)")
            #expect(loaderQueries(db).count == 3)
        }
    }
}
