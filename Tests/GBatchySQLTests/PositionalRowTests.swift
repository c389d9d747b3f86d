import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #11: a ``SQLiteRowDecodable`` row reads its columns by position, with no `Decodable` machinery, through the
/// same loaders; its errors still name the table, the column and the type.
@Suite("Rows read by position", .timeLimit(.minutes(1)))
struct PositionalRowTests {
    struct Everything: SQLiteRowDecodable, Equatable {
        static let columns = ["id", "i64", "real", "text", "blob", "flag", "at", "uuid", "maybe", "owner"]
        let id: Int
        let i64: Int64
        let real: Double
        let text: String
        let blob: Data
        let flag: Bool
        let at: Date
        let uuid: UUID
        let maybe: String?
        let owner: Int

        init(row: SQLiteColumns) throws {
            id = try row[0]
            i64 = try row[1]
            real = try row[2]
            text = try row[3]
            blob = try row[4]
            flag = try row[5]
            at = try row[6]
            uuid = try row[7]
            maybe = try row[8, as: String?.self]
            owner = try row[9]
        }

        init(id: Int, text: String, maybe: String?, owner: Int) {
            self.id = id
            i64 = Int64(id) << 40
            real = Double(id) / 4
            self.text = text
            blob = Data([0, UInt8(id)])
            flag = id.isMultiple(of: 2)
            at = Date(timeIntervalSince1970: Double(id) * 86_400)
            uuid = UUID(uuid: (UInt8(id), 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0))
            self.maybe = maybe
            self.owner = owner
        }
    }

    static let rows = [
        Everything(id: 1, text: "ann", maybe: nil, owner: 7),
        Everything(id: 2, text: "b\0b", maybe: "x", owner: 7),
        Everything(id: 3, text: "", maybe: "", owner: 8),
    ]

    func withEverything(_ body: (SQLiteSource) async throws -> Void) async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE e(id INTEGER PRIMARY KEY, i64 INTEGER, real REAL, text TEXT, blob BLOB, flag INTEGER,
                               at TEXT, uuid TEXT, maybe TEXT, owner INTEGER, extra TEXT);
                CREATE INDEX e_owner ON e(owner);
                """
            )
            try await db.write { conn in
                for row in Self.rows {
                    try conn.execute(
                        "INSERT INTO e VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'unread')",
                        [
                            row.id, row.i64, row.real, row.text, row.blob, row.flag, row.at, row.uuid, row.maybe,
                            row.owner,
                        ]
                    )
                }
            }
            try await body(db)
        }
    }

    @Test func loadersReadEveryColumnTypeByPosition() async throws {
        try await withEverything { db in
            let byID = db.loader(Everything.self, table: "e", key: "id")
            let byText: TableLoader<String, Everything> = db.loader(Everything.self, table: "e", key: "text")
            let byOwner = db.groupLoader(Everything.self, table: "e", key: "owner", orderBy: "id", descending: true)
            db.queryLog.clear()
            let (ids, texts, owners) = try await withBatchContext { () async throws in
                async let ids = byID.loadAll([3, 1, 2, 4])
                async let texts = byText.loadAll(["b\0b", "ann"])
                async let owners = byOwner.loadAll([7, 8, 9])
                return try await (ids, texts, owners)
            }
            #expect(ids == [Self.rows[2], Self.rows[0], Self.rows[1], nil])
            #expect(texts == [Self.rows[1], Self.rows[0]])
            #expect(owners == [[Self.rows[1], Self.rows[0]], [Self.rows[2]], []])
            // Only the named columns, in their order: `extra` is never selected.
            let queries = loaderQueries(db)
            #expect(queries.count == 3)
            #expect(queries.allSatisfy { $0.sql.hasPrefix(#"SELECT "t"."id", "t"."i64", "t"."real", "t"."text""#) })
            #expect(queries.allSatisfy { !$0.sql.contains("extra") })
        }
    }

    struct Wrong: SQLiteRowDecodable {
        static let columns = ["id", "text", "maybe"]
        let id: Int
        init(row: SQLiteColumns) throws {
            id = try row[0]
            if id == 1 { _ = try row[1, as: Int.self] }  // text read as an integer
            if id == 2 { _ = try row[2, as: String.self] }  // a non-optional read of NULL... or of "x"
            if id == 3 { _ = try row[3, as: Int.self] }  // past the last column
        }
    }

    @Test func aColumnReadAsTheWrongTypeFailsItsKeyAloneNamingTableColumnAndType() async throws {
        try await withEverything { db in
            try await db.execute("UPDATE e SET maybe = NULL WHERE id = 2")
            let loader = db.loader(Wrong.self, table: "e", key: "id")
            let results = await withBatchContext { await loader.loadMany([1, 2, 3, 4]) }
            let mismatch = try #require(results[0].failure as? ColumnDecodingError)
            #expect(mismatch.kind == .typeMismatch && mismatch.column == "text" && mismatch.table == "e")
            #expect(mismatch.expectedType == "Int")
            #expect(mismatch.description.contains("text") && mismatch.description.contains("Int"))
            let null = try #require(results[1].failure as? ColumnDecodingError)
            #expect(null.kind == .nullValue && null.column == "maybe" && null.expectedType == "String")
            let missing = try #require(results[2].failure as? ColumnDecodingError)
            #expect(missing.kind == .missingColumn && missing.column == "#3" && missing.table == "e")
            #expect(try results[3].get() == nil)
        }
    }

    struct Unknown: SQLiteRowDecodable {
        static let columns = ["id", "nope"]
        init(row: SQLiteColumns) throws {}
    }

    @Test func aColumnTheTableLacksFailsTheSchemaCheck() async throws {
        try await withEverything { db in
            let loader = db.groupLoader(Unknown.self, table: "e", key: "owner")
            let error = await capture { _ = try await withBatchContext { try await loader.load(7) } }
            let schema = try #require(error as? SchemaError)
            #expect(schema.code == .unknownColumn && schema.column == "nope" && schema.table == "e")
        }
    }
}
