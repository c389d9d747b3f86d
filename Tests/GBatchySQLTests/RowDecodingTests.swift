import Foundation
import GBatchySQL
import GBatchySQLCore
import Testing

@Suite("Row decoding errors", .timeLimit(.minutes(1)))
struct RowDecodingTests {
    struct Person: Decodable, Sendable {
        var id: Int
        var name: String
        var age: Int32
        var email: String?
    }

    struct Colored: Decodable, Sendable {
        var color: Role
    }

    func makeDatabase() async throws -> SQLiteSource {
        let db = try SQLiteSource.inMemory()
        try await db.execute(
            "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, age, email TEXT);"
                + "INSERT INTO people VALUES (1, 'Ann', 30, NULL)"
        )
        return db
    }

    func decodingError(_ db: SQLiteSource, _ sql: String) async throws -> ColumnDecodingError {
        let error = await capture { _ = try await db.query(sql, as: Person.self) }
        return try #require(
            error as? ColumnDecodingError,
            "expected a ColumnDecodingError, got \(String(describing: error))"
        )
    }

    @Test func textInAnIntegerFieldNamesColumnTypeAndSQL() async throws {
        let db = try await makeDatabase()
        let sql = "SELECT id, name, 'abc' AS age FROM people"
        let error = try await decodingError(db, sql)
        #expect(error.kind == .typeMismatch)
        #expect(error.column == "age")
        #expect(error.expectedType == "Int32")
        #expect(error.found == "TEXT \"abc\"")
        #expect(error.sql == sql)
        #expect(error.table == nil)
        #expect(error.description == "Cannot decode column \"age\" as Int32: found TEXT \"abc\" — SQL: \(sql)")
        await db.close()
    }

    @Test func nonIntegralAndOutOfRangeNumbersAreRejectedForInt32() async throws {
        let db = try await makeDatabase()
        let fractional = try await decodingError(db, "SELECT id, name, 1.5 AS age FROM people")
        #expect(fractional.kind == .typeMismatch)
        #expect(fractional.found == "REAL 1.5")
        let tooLarge = try await decodingError(db, "SELECT id, name, 3000000000 AS age FROM people")
        #expect(tooLarge.kind == .typeMismatch)
        #expect(tooLarge.found == "INTEGER 3000000000")
        #expect(tooLarge.description.contains("column \"age\" as Int32"))
        await db.close()
    }

    @Test func nullInANonOptionalField() async throws {
        let db = try await makeDatabase()
        let sql = "SELECT id, NULL AS name, age FROM people"
        let error = try await decodingError(db, sql)
        #expect(error.kind == .nullValue)
        #expect(error.column == "name")
        #expect(error.expectedType == "String")
        #expect(
            error.description
                == "Cannot decode column \"name\" as String: found NULL but the property is not optional — SQL: \(sql)"
        )
        await db.close()
    }

    @Test func missingColumnThrowsAndMissingOptionalIsNil() async throws {
        let db = try await makeDatabase()
        let sql = "SELECT id, name FROM people"
        let error = try await decodingError(db, sql)
        #expect(error.kind == .missingColumn)
        #expect(error.column == "age")
        #expect(error.found == "columns: id, name")
        #expect(error.description.contains(sql))

        // `email` is optional: absent from the result, it decodes as nil.
        let people = try await db.query("SELECT id, name, age FROM people", as: Person.self)
        #expect(people.count == 1)
        #expect(people[0].email == nil)
        #expect(people[0].age == 30)
        await db.close()
    }

    @Test func tableIsNamedWhenTheCallerPassesIt() async throws {
        let db = try await makeDatabase()
        let sql = "SELECT id, name, 'x' AS age FROM people WHERE id IN (?)"
        let error = await capture {
            _ = try await db.query(sql, values: [1], as: Person.self, keyCount: 1, table: "people")
        }
        let decodingError = try #require(error as? ColumnDecodingError)
        #expect(decodingError.table == "people")
        #expect(
            decodingError.description
                == "Cannot decode column \"age\" of table people as Int32: found TEXT \"x\" — SQL: \(sql)"
        )
        await db.close()
    }

    @Test func unknownEnumRawValueIsATypeMismatchNamingTheColumn() async throws {
        let db = try await makeDatabase()
        let error = await capture { _ = try await db.query("SELECT 'guest' AS color", as: Colored.self) }
        let decodingError = try #require(error as? ColumnDecodingError)
        #expect(decodingError.kind == .typeMismatch)
        #expect(decodingError.column == "color")
        #expect(decodingError.expectedType == "Role")
        await db.close()
    }

    @Test func failedDecodingIsLoggedAsAFailure() async throws {
        let db = try await makeDatabase()
        db.queryLog.clear()
        _ = await capture { _ = try await db.query("SELECT id, name FROM people", as: Person.self) }
        let entry = try #require(db.queryLog.entries.last)
        #expect(entry.sql == "SELECT id, name FROM people")
        #expect(entry.error is ColumnDecodingError)
        await db.close()
    }
}

@Suite("Column discovery", .timeLimit(.minutes(1)))
struct ColumnDiscoveryTests {
    struct Profile: Decodable {
        var id: Int
        var nickname: String?
        var createdAt: Date
        var token: UUID
        var role: Role
        var score: Double?
        var avatar: Data?
        var isActive: Bool
    }

    struct CustomKeys: Decodable {
        var id: Int
        var name: String
        enum CodingKeys: String, CodingKey {
            case id = "user_id"
            case name = "display_name"
        }
    }

    struct Repeated: Decodable {
        var a: Int
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            a = try container.decode(Int.self, forKey: .a) + (try container.decodeIfPresent(Int.self, forKey: .a) ?? 0)
            _ = try container.decodeIfPresent(String.self, forKey: .b)
        }
        enum CodingKeys: String, CodingKey { case a, b }
    }

    struct NonIterableEnum: Decodable {
        var level: Level
    }

    @Test func recordsColumnsInOrderWithOptionalsDatesUUIDsAndEnums() {
        #expect(
            decodedColumnNames(Profile.self)
                == ["id", "nickname", "createdAt", "token", "role", "score", "avatar", "isActive"]
        )
    }

    @Test func usesCodingKeysAndDropsDuplicates() {
        #expect(decodedColumnNames(CustomKeys.self) == ["user_id", "display_name"])
        #expect(decodedColumnNames(Repeated.self) == ["a", "b"])
    }

    @Test func returnsNilWhenDiscoveryCannotComplete() {
        #expect(decodedColumnNames(Int.self) == nil)
        #expect(decodedColumnNames([String].self) == nil)
        // `Level` has no case for the placeholder raw value 0 and is not CaseIterable.
        #expect(decodedColumnNames(NonIterableEnum.self) == nil)
    }
}
