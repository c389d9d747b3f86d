import Foundation
import Testing

@testable import GBatchySQL

/// Issue #9, defects 4 to 7: values, timeouts, SQL text and row types that used to trap, be silently cut, or fail with
/// an untyped error.
@Suite("Dates out of range, extreme timeouts, NUL in SQL, top-level row types", .timeLimit(.minutes(1)))
struct InputLimitTests {
    static let unstorableDates: [Date] = [
        Date(timeIntervalSince1970: .nan), Date(timeIntervalSince1970: .infinity),
        Date(timeIntervalSince1970: -.infinity), Date(timeIntervalSince1970: 1e300),
        Date(timeIntervalSince1970: -1e300),
        // Years 10000 and -1: their text would not read back as a date.
        Date(timeIntervalSince1970: 253_402_300_800), Date(timeIntervalSince1970: -62_198_755_200),
    ]

    // MARK: - (4) Dates

    @Test func bindingAnUnstorableDateThrowsNamingTheParameter() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE events(id INTEGER PRIMARY KEY, at TEXT)")
            for date in Self.unstorableDates {
                let sql = "INSERT INTO events(id, at) VALUES (?, ?)"
                for error in [
                    await capture { try await db.execute(sql, [1, date]) },
                    await capture { try await db.execute(sql, [1, Optional(date)]) },
                    await capture { try await db.write { conn in try conn.execute(sql, [1, date]) } },
                    await capture {
                        _ = try await db.query("SELECT ? AS a, ? AS b", [1, date], as: SQLiteSourceRow.self)
                    },
                    await capture {
                        _ = try await db.read { try $0.query("SELECT ?, ?", [1, date], as: SQLiteSourceRow.self) }
                    },
                ] {
                    let sqliteError = try #require(error as? SQLiteSourceError, "\(date): \(String(describing: error))")
                    #expect(sqliteError.resultCode == .mismatch)
                    #expect(sqliteError.message.contains("parameter 2"), "\(sqliteError)")
                    #expect(sqliteError.message.contains("Date"), "\(sqliteError)")
                }
            }
            #expect(try await count("events", in: db) == 0)
            // The writer is fine afterwards.
            try await db.execute("INSERT INTO events(id, at) VALUES (?, ?)", [1, Date(timeIntervalSince1970: 0)])
            #expect(try await db.query("SELECT at FROM events", as: String.self) == ["1970-01-01 00:00:00.000"])
        }
    }

    @Test func theWidestStorableDatesRoundTrip() async throws {
        let db = try SQLiteSource.inMemory()
        for date in [
            Date(timeIntervalSince1970: -62_167_219_200), Date(timeIntervalSince1970: 253_402_300_799.999),
            Date.distantPast, Date.distantFuture,
        ] {
            let back = try await db.query("SELECT ?", [date], as: Date.self)
            #expect(back.count == 1)
            #expect(abs((back.first ?? .now).timeIntervalSince(date)) < 0.001, "\(date)")
        }
        await db.close()
    }

    @Test func aNumberOutsideTheDateRangeIsADecodingErrorNamingTheColumn() async throws {
        struct Event: Decodable, Sendable { var at: Date }
        let db = try SQLiteSource.inMemory()
        for number in ["1e300", "-1e300", "9e15", "9223372036854775807", "253402300800", "9e999"] {
            let sql = "SELECT \(number) + 0 AS at"
            for error in [
                await capture { _ = try await db.query(sql, as: Event.self) },
                await capture { _ = try await db.query(sql, as: Date.self) },
            ] {
                let decodingError = try #require(
                    error as? ColumnDecodingError,
                    "\(number): \(String(describing: error))"
                )
                #expect(decodingError.kind == .typeMismatch)
                #expect(decodingError.column == "at")
                #expect(decodingError.expectedType == "Date")
            }
        }
        // A number inside the range is still a date of Unix seconds.
        let lastSecond = try await db.query("SELECT 253402300799", as: Date.self)
        #expect(lastSecond == [Date(timeIntervalSince1970: 253_402_300_799)])
        await db.close()
    }

    @Test func theSQLiteValueOfAnUnstorableDateIsItsNumber() {
        // The non-throwing `sqliteValue` (for callers outside the library) keeps the number instead of trapping.
        #expect(Date(timeIntervalSince1970: 1e300).sqliteValue == .real(1e300))
        #expect(Date(timeIntervalSince1970: -.infinity).sqliteValue == .real(-.infinity))
        #expect(Date(timeIntervalSince1970: 0).sqliteValue == .text("1970-01-01 00:00:00.000"))
    }

    // MARK: - (5) Durations

    @Test func anyBusyTimeoutOpensAndIsClamped() async throws {
        let cases: [(Duration, Int)] = [
            (.seconds(Int64.max), Int(Int32.max)), (.seconds(Int64.min), 0), (.milliseconds(Int64.max), Int(Int32.max)),
            (.nanoseconds(Int64.max), 9_223_372_036), (.milliseconds(1500), 1500), (.microseconds(999), 0),
            (.seconds(-1), 0), (.zero, 0),
        ]
        for (timeout, expected) in cases {
            let db = try SQLiteSource.inMemory(configuration: .init(busyTimeout: timeout))
            let milliseconds = try await db.query("PRAGMA busy_timeout", as: Int.self)
            #expect(milliseconds == [min(expected, Int(Int32.max))], "\(timeout)")
            await db.close()
        }
        let configuration = SQLiteSource.Configuration(readerCount: 1, busyTimeout: .seconds(Int64.max))
        let (onReader, onWriter) = try await withTemporaryDatabase(configuration: configuration) { db, _ in
            (
                try await db.query("PRAGMA busy_timeout", as: Int.self),
                try await db.write { try $0.query("PRAGMA busy_timeout", as: Int.self) }
            )
        }
        #expect(onReader == [Int(Int32.max)])
        #expect(onWriter == [Int(Int32.max)])
    }

    // MARK: - (6) NUL in SQL

    @Test func sqlWithANulCharacterIsRefusedBeforeAnythingRuns() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute("CREATE TABLE t(x)")
            let script = "INSERT INTO t VALUES (1);\0INSERT INTO t VALUES (2)"
            let errors = [
                await capture { try await db.execute(script) },
                await capture { try await db.execute("INSERT INTO t VALUES (?)\0; DELETE FROM t", [1]) },
                await capture { _ = try await db.query("SELECT 1\0; DELETE FROM t", as: Int.self) },
                await capture { _ = try await db.read { try $0.query("SELECT 1\0", as: Int.self) } },
                await capture {
                    try await db.write { conn in
                        try conn.execute("INSERT INTO t VALUES (3)")
                        try conn.execute(script)
                    }
                },
            ]
            for error in errors {
                let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                #expect(sqliteError.resultCode == .misuse)
                #expect(sqliteError.message.contains("NUL"), "\(sqliteError)")
            }
            #expect(try await count("t", in: db) == 0)
        }
    }

    // MARK: - (7) Top-level row types

    enum Status: String, Decodable, Sendable { case active, closed }

    @Test func aTopLevelEnumOrArrayRowTypeThrowsARowDecodingErrorOfBoundedSize() async throws {
        let db = try SQLiteSource.inMemory()
        #expect(try await db.query("SELECT 'active' AS status", as: Status.self) == [.active])

        let huge = String(repeating: "x", count: 100_000)
        let enumError = await capture { _ = try await db.query("SELECT ? AS status", [huge], as: Status.self) }
        let decodingError = try #require(enumError as? ColumnDecodingError, "\(String(describing: enumError))")
        #expect(decodingError.kind == .typeMismatch)
        #expect(decodingError.column == "status")
        #expect(decodingError.expectedType == "Status")
        #expect(decodingError.description.count < 1_000, "\(decodingError.description.count) characters")

        let arrayError = await capture { _ = try await db.query("SELECT 1 AS a, 2 AS b", as: [Int].self) }
        let arrayDecodingError = try #require(arrayError as? ColumnDecodingError, "\(String(describing: arrayError))")
        #expect(arrayDecodingError.column == "a")
        #expect(arrayDecodingError.expectedType == "Array<Int>")

        // A long SQL text is cut in the description (the `sql` property keeps it whole).
        let longSQL = "SELECT '\(huge)' AS status"
        let longError = await capture { _ = try await db.query(longSQL, as: Status.self) }
        let longDecodingError = try #require(longError as? ColumnDecodingError)
        #expect(longDecodingError.sql == longSQL)
        #expect(longDecodingError.description.count < 1_000, "\(longDecodingError.description.count) characters")
        await db.close()
    }

    @Test func aLongFailingStatementIsCutInTheErrorDescription() async throws {
        let db = try SQLiteSource.inMemory()
        let sql = "SELECT '\(String(repeating: "y", count: 100_000))' FROM no_such_table"
        let error = await capture { _ = try await db.query(sql, as: String.self) }
        let sqliteError = try #require(error as? SQLiteSourceError)
        #expect(sqliteError.sql == sql)
        #expect(sqliteError.description.count < 1_000, "\(sqliteError.description.count) characters")
        #expect(sqliteError.description.contains("no such table: no_such_table"))
        await db.close()
    }

    @Test func aDecodingErrorThrownByCustomDecodingNamesItsColumn() async throws {
        struct Positive: Decodable, Sendable {
            var n: Int
            enum CodingKeys: String, CodingKey { case n }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                n = try container.decode(Int.self, forKey: .n)
                guard n > 0 else {
                    throw DecodingError.dataCorruptedError(forKey: .n, in: container, debugDescription: "not positive")
                }
            }
        }
        let db = try SQLiteSource.inMemory()
        #expect(try await db.query("SELECT 2 AS n", as: Positive.self).map(\.n) == [2])
        let error = await capture { _ = try await db.query("SELECT -1 AS n", as: Positive.self) }
        let decodingError = try #require(error as? ColumnDecodingError, "\(String(describing: error))")
        #expect(decodingError.column == "n")
        #expect(decodingError.found.hasPrefix("INTEGER -1"), "\(decodingError.found)")
        #expect(decodingError.description.contains("not positive"))
        await db.close()
    }
}
