import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// A row that fails to decode fails the key it belongs to, with a ``ColumnDecodingError`` naming the column; every other
/// key of the batch gets its own answer.
@Suite("A bad row fails its own key only", .timeLimit(.minutes(1)))
struct RowFailureTests {
    struct Item: Decodable, Sendable, Equatable {
        var id: Int
        var owner: String
        var quantity: Int
    }

    /// `items`: ids 1 to 5, item 2 holds text in `quantity`. `owner` (`TEXT COLLATE NOCASE`) groups them: `ann` has
    /// items 1 and 2, `bob` item 3, `cy` items 4 and 5.
    func withItems(_ body: (SQLiteSource) async throws -> Void) async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE items(id INTEGER PRIMARY KEY, owner TEXT NOT NULL COLLATE NOCASE, quantity INTEGER);"
                    + "CREATE INDEX items_owner ON items(owner);"
                    + "INSERT INTO items VALUES (1, 'ann', 5), (2, 'ann', 'lots'), (3, 'bob', 7), (4, 'cy', 8),"
                    + " (5, 'cy', 9)"
            )
            db.queryLog.clear()
            try await body(db)
        }
    }

    func expectQuantityError(_ result: Result<some Any, any Error>, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let error = try #require(result.failure as? ColumnDecodingError, "\(result)", sourceLocation: sourceLocation)
        #expect(error.column == "quantity", sourceLocation: sourceLocation)
        #expect(error.kind == .typeMismatch, sourceLocation: sourceLocation)
        #expect(error.table == "items", sourceLocation: sourceLocation)
        #expect(error.found == "TEXT \"lots\"", sourceLocation: sourceLocation)
    }

    @Test func aTableLoaderFailsTheBadRowsKeyAndAnswersTheOthers() async throws {
        try await withItems { db in
            let items = db.loader(Item.self, table: "items", key: "id")
            try await withBatchContext {
                let results = await items.loadMany([1, 2, 3, 99, 2])
                #expect(try results[0].get() == Item(id: 1, owner: "ann", quantity: 5))
                try expectQuantityError(results[1])
                #expect(try results[2].get() == Item(id: 3, owner: "bob", quantity: 7))
                #expect(try results[3].get() == nil)
                try expectQuantityError(results[4])
            }
            #expect(loaderQueries(db).map(\.keyCount) == [4])  // one query for the batch
        }
    }

    /// How a batch's rows are read: in the join, each row goes to the key at its position and a row that fails to
    /// decode fails that key alone; in the ordered `IN` form, a key column value that is no key of the batch stops
    /// the reading, so that the loader asks the join instead of failing every key (or dropping the row).
    @Test func readingRowsKeepsEachKeysFailureAndStopsAtAKeyNotInTheBatch() async throws {
        try await withItems { db in
            let readRows = RowReader<Int, Item>().readRows
            let (joined, ordered) = try await db.read { connection in
                let joined = try connection.withCachedStatement(
                    "SELECT id, owner, quantity, id - 1 FROM items WHERE id <= 3 ORDER BY id"
                ) { statement in
                    let read = try readRows(statement, 3, nil, [4, 5, 6], nil)
                    let failures = read.failures.mapValues { $0 as? ColumnDecodingError }
                    return (read.rows.map(\.index), failures, read.isUnmatched)
                }
                // Key column values 1, 2 and 3, where the batch sent 1 and 3 only.
                let ordered = try connection.withCachedStatement(
                    "SELECT id, owner, quantity FROM items WHERE id <= 3 ORDER BY id"
                ) { statement in
                    let read = try readRows(statement, 0, nil, [0, 1], [1: 0, 3: 1])
                    return (read.rows.map(\.index), read.isUnmatched)
                }
                return (joined, ordered)
            }
            #expect(joined.0 == [4, 6])
            #expect(joined.1.count == 1 && joined.1[5]??.column == "quantity" && joined.1[5]??.kind == .typeMismatch)
            #expect(!joined.2)
            #expect(ordered.0 == [0] && ordered.1)
        }
    }

    /// Both forms of a group loader's query: the join (no `orderBy`, or text keys on a `NOCASE` column, where two
    /// keys match the same rows) and the ordered `IN` form (`orderBy` with integer keys on a `BINARY` column).
    @Test func aGroupLoaderFailsTheGroupHoldingTheBadRowAndAnswersTheOthers() async throws {
        try await withItems { db in
            let byOwner = db.groupLoader(Item.self, table: "items", key: "owner", keyType: String.self)
            let ordered: GroupLoader<String, Item> = db.groupLoader(
                Item.self,
                table: "items",
                key: "owner",
                orderBy: "id",
                descending: true
            )
            let byID = db.groupLoader(Item.self, table: "items", key: "id", orderBy: "quantity")
            try await withBatchContext {
                async let plain = byOwner.loadMany(["ann", "bob", "ANN", "dan"])
                async let sorted = ordered.loadMany(["cy", "Ann", "bob"])
                async let integers = byID.loadMany([1, 2, 3, 42])
                let (byOwnerResults, orderedResults, byIDResults) = await (plain, sorted, integers)

                try expectQuantityError(byOwnerResults[0])
                #expect(try byOwnerResults[1].get() == [Item(id: 3, owner: "bob", quantity: 7)])
                try expectQuantityError(byOwnerResults[2])  // NOCASE: the same rows as "ann"
                #expect(try byOwnerResults[3].get() == [])

                #expect(try orderedResults[0].get().map(\.id) == [5, 4])
                try expectQuantityError(orderedResults[1])
                #expect(try orderedResults[2].get().map(\.id) == [3])

                #expect(try byIDResults[0].get().map(\.id) == [1])
                try expectQuantityError(byIDResults[1])
                #expect(try byIDResults[2].get().map(\.id) == [3])
                #expect(try byIDResults[3].get() == [])
            }
            let queries = loaderQueries(db)
            #expect(queries.count == 3, "\(queries.map(\.sql))")
            #expect(queries.contains { $0.sql.contains(" IN (SELECT +value") })  // the ordered form ran
        }
    }
}
