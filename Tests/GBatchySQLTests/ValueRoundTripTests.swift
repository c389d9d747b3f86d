import Foundation
import GBatchySQL
import Testing

enum Role: String, Codable, Sendable, SQLiteBindable, CaseIterable {
    case admin, member
}

enum Level: Int, Codable, Sendable, SQLiteBindable {
    case low = 1, high = 2
}

struct AllTypes: Codable, Sendable, Equatable {
    var int: Int
    var int64: Int64
    var int32: Int32
    var double: Double
    var float: Float
    var bool: Bool
    var string: String
    var data: Data
    var bytes: [UInt8]
    var date: Date
    var uuid: UUID
    var role: Role
    var level: Level
    var optionalInt: Int?
    var optionalString: String?
    var optionalDate: Date?
    var optionalUUID: UUID?
    var optionalData: Data?
    var optionalRole: Role?
    var optionalBool: Bool?

    static let columns = [
        "int", "int64", "int32", "double", "float", "bool", "string", "data", "bytes", "date", "uuid", "role",
        "level", "optionalInt", "optionalString", "optionalDate", "optionalUUID", "optionalData", "optionalRole",
        "optionalBool",
    ]

    var bindings: [any SQLiteBindable] {
        [
            int, int64, int32, double, float, bool, string, data, bytes, date, uuid, role, level, optionalInt,
            optionalString, optionalDate, optionalUUID, optionalData, optionalRole, optionalBool,
        ]
    }
}

@Suite("Value round-trips", .timeLimit(.minutes(1)))
struct ValueRoundTripTests {
    static let createAll =
        "CREATE TABLE all_types(" + AllTypes.columns.joined(separator: ", ") + ")"
    static let insertAll =
        "INSERT INTO all_types(" + AllTypes.columns.joined(separator: ", ") + ") VALUES ("
        + Array(repeating: "?", count: AllTypes.columns.count).joined(separator: ", ") + ")"

    @Test func everySupportedTypeRoundTripsWithValuesAndNulls() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(Self.createAll)
            let full = AllTypes(
                int: -42,
                int64: .max,
                int32: .min,
                double: 3.25,
                float: 0.5,
                bool: true,
                string: "Ann 👋\u{0}end",
                data: Data([0, 1, 2, 255]),
                bytes: [9, 8, 7],
                date: Date(timeIntervalSince1970: 1_700_000_000.123),
                uuid: UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!,
                role: .member,
                level: .high,
                optionalInt: 7,
                optionalString: "",
                optionalDate: Date(timeIntervalSince1970: -86_400.5),
                optionalUUID: UUID(),
                optionalData: Data(),
                optionalRole: .admin,
                optionalBool: false
            )
            var empty = full
            empty.int = 1
            empty.optionalInt = nil
            empty.optionalString = nil
            empty.optionalDate = nil
            empty.optionalUUID = nil
            empty.optionalData = nil
            empty.optionalRole = nil
            empty.optionalBool = nil
            try await db.execute(Self.insertAll, full.bindings)
            try await db.execute(Self.insertAll, empty.bindings)

            let rows = try await db.query("SELECT * FROM all_types ORDER BY int", as: AllTypes.self)
            #expect(rows == [full, empty])

            let nulls = try await db.query(
                "SELECT count(*) FROM all_types WHERE optionalInt IS NULL AND optionalString IS NULL AND "
                    + "optionalDate IS NULL AND optionalUUID IS NULL AND optionalData IS NULL AND optionalRole IS NULL "
                    + "AND optionalBool IS NULL",
                as: Int.self
            )
            #expect(nulls == [1])
        }
    }

    @Test func storageConventions() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute("CREATE TABLE t(b, d, u, r, l, e)")
        try await db.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
            [
                true, Date(timeIntervalSince1970: 0.25), UUID(uuidString: "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")!,
                Role.admin, Level.low, Data(),
            ]
        )
        let row = try await db.query(
            "SELECT b, typeof(b) AS bt, d, u, r, l, typeof(e) AS et FROM t",
            as: SQLiteSourceRow.self
        )[0]
        #expect(row["b"] == .integer(1))
        #expect(row["bt"] == "integer")
        #expect(row["d"] == "1970-01-01 00:00:00.250")
        #expect(row["u"] == "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")
        #expect(row["r"] == "admin")
        #expect(row["l"] == .integer(1))
        #expect(row["et"] == "blob")
        #expect(row["missing"] == nil)
        await db.close()
    }

    @Test(arguments: [
        ("2024-03-05", 1_709_596_800.0),
        ("2024-03-05 10:20", 1_709_634_000.0),
        ("2024-03-05 10:20:30", 1_709_634_030.0),
        ("2024-03-05 10:20:30.250", 1_709_634_030.25),
        ("2024-03-05T10:20:30Z", 1_709_634_030.0),
        ("2024-03-05T10:20:30.5Z", 1_709_634_030.5),
        ("2024-03-05T12:20:30+02:00", 1_709_634_030.0),
        ("2024-03-05T05:20:30-0500", 1_709_634_030.0),
        ("1969-12-31 23:59:59.000", -1.0),
    ])
    func datesAreReadFromText(text: String, expected: Double) async throws {
        let db = try SQLiteSource.inMemory()
        let dates = try await db.query("SELECT ? AS d", [text], as: Date.self)
        #expect(dates == [Date(timeIntervalSince1970: expected)])
        await db.close()
    }

    @Test func datesAreReadFromUnixSecondsAndRejectGarbage() async throws {
        let db = try SQLiteSource.inMemory()
        #expect(try await db.query("SELECT 1700000000", as: Date.self) == [Date(timeIntervalSince1970: 1_700_000_000)])
        #expect(try await db.query("SELECT 1.5", as: Date.self) == [Date(timeIntervalSince1970: 1.5)])
        let error = await capture { _ = try await db.query("SELECT '2024-13-01' AS d", as: Date.self) }
        let decodingError = try #require(error as? ColumnDecodingError)
        #expect(decodingError.kind == .typeMismatch)
        #expect(decodingError.column == "d")
        #expect(decodingError.expectedType == "Date")
        await db.close()
    }

    @Test func uuidsAreReadFromAnyCaseTextAndFromBlobs() async throws {
        let db = try SQLiteSource.inMemory()
        let uuid = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        #expect(try await db.query("SELECT 'e621e1f8-c36c-495a-93fc-0c247a3e6e5f'", as: UUID.self) == [uuid])
        #expect(try await db.query("SELECT x'E621E1F8C36C495A93FC0C247A3E6E5F'", as: UUID.self) == [uuid])
        await db.close()
    }

    @Test func singleColumnRowsDecodeAsPlainValues() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute("CREATE TABLE t(x INTEGER, s TEXT); INSERT INTO t VALUES (1, 'a'), (NULL, 'b')")
        #expect(try await db.query("SELECT x FROM t ORDER BY s", as: Int?.self) == [1, nil])
        #expect(try await db.query("SELECT s FROM t ORDER BY s", as: String.self) == ["a", "b"])
        #expect(try await db.query("SELECT 'admin'", as: Role.self) == [.admin])
        #expect(try await db.query("SELECT 2", as: Level.self) == [.high])
        #expect(try await db.query("SELECT 1", as: Bool.self) == [true])
        #expect(try await db.query("SELECT 2.0", as: Int32.self) == [2])
        await db.close()
    }

    @Test func sqliteValueLiterals() {
        let values: [SQLiteValue] = [1, 2.5, "a", true, nil]
        #expect(values == [.integer(1), .real(2.5), .text("a"), .integer(1), .null])
        #expect(SQLiteValue.text("abc").description == "TEXT \"abc\"")
        #expect(Optional<Int>.none.sqliteValue == .null)
    }
}
