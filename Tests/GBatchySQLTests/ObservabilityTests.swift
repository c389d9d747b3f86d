import Foundation
import GBatchySQL
import Testing

@Suite("Statement cache and query log", .timeLimit(.minutes(1)))
struct ObservabilityTests {
    @Test func statementCacheCountStaysConstantForTheSameSQL() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute(usersSchema)
            _ = try await db.query("SELECT id, name FROM users WHERE id > ?", [0], as: User.self)
            _ = try await db.read { $0.cachedStatementCount }  // caches BEGIN DEFERRED and COMMIT
            let first = try await db.read { $0.cachedStatementCount }
            for id in 0..<20 {
                _ = try await db.query("SELECT id, name FROM users WHERE id > ?", [id], as: User.self)
            }
            #expect(try await db.read { $0.cachedStatementCount } == first)
            _ = try await db.query("SELECT name FROM users", as: String.self)
            #expect(try await db.read { $0.cachedStatementCount } == first + 1)

            _ = try await db.write { $0.cachedStatementCount }  // caches BEGIN IMMEDIATE and COMMIT
            let writerCount = try await db.write { $0.cachedStatementCount }
            for id in 1...10 {
                try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [id, "user \(id)"])
            }
            #expect(try await db.write { $0.cachedStatementCount } == writerCount + 1)
        }
    }

    @Test func nestedUseOfTheSameStatementGetsAFreshOne() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
        let pairs = try await db.read { conn in
            try conn.withCachedStatement("SELECT x FROM t ORDER BY x") { outer in
                var pairs: [[Int]] = []
                while try outer.step() {
                    let x = try outer.decodeRow(Int.self)
                    pairs.append([x] + (try conn.query("SELECT x FROM t ORDER BY x", as: Int.self)))
                }
                return pairs
            }
        }
        #expect(pairs == [[1, 1, 2], [2, 1, 2]])
        await db.close()
    }

    @Test func queryLogRecordsEveryStatement() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users(id, name) VALUES (1, 'Ann'), (2, 'Bob')")
            db.queryLog.clear()

            _ = try await db.query("SELECT id, name FROM users WHERE id > ?", [0], as: User.self)
            _ = try await db.query(
                "SELECT id, name FROM users WHERE id IN (?, ?)",
                values: [1, 2],
                as: User.self,
                keyCount: 2,
                table: "users"
            )
            _ = await capture { _ = try await db.query("SELECT nope FROM users", as: Int.self) }
            try await db.write { conn in try conn.execute("DELETE FROM users WHERE id = ?", [2]) }

            let entries = db.queryLog.entries
            #expect(
                entries.map(\.sql) == [
                    "SELECT id, name FROM users WHERE id > ?",
                    "SELECT id, name FROM users WHERE id IN (?, ?)",
                    "SELECT nope FROM users",
                    "BEGIN IMMEDIATE",
                    "DELETE FROM users WHERE id = ?",
                    "COMMIT",
                ]
            )
            #expect(entries.map(\.rowCount) == [2, 2, 0, 0, 0, 0])
            #expect(entries.map(\.keyCount) == [nil, 2, nil, nil, nil, nil])
            #expect(entries[1].table == "users")
            #expect(entries.map(\.role) == [.reader, .reader, .reader, .writer, .writer, .writer])
            #expect(entries.map(\.succeeded) == [true, true, false, true, true, true])
            #expect((entries[2].error as? SQLiteSourceError)?.message == "no such column: nope")
            #expect(entries.allSatisfy { $0.duration >= .zero })
        }
    }

    @Test func queryLogCanBeDisabledAndIsBounded() async throws {
        let db = try SQLiteSource.inMemory(configuration: .init(queryLogCapacity: 3))
        db.queryLog.isEnabled = false
        db.queryLog.clear()
        _ = try await db.query("SELECT 1", as: Int.self)
        #expect(db.queryLog.entries.isEmpty)

        db.queryLog.isEnabled = true
        for value in 1...5 {
            _ = try await db.query("SELECT ?", [value], as: Int.self)
        }
        #expect(db.queryLog.capacity == 3)
        #expect(db.queryLog.entries.count == 3)
        #expect(db.queryLog.entries.map(\.sql) == ["SELECT ?", "SELECT ?", "SELECT ?"])
        db.queryLog.clear()
        #expect(db.queryLog.entries.isEmpty)
        await db.close()
    }

    @Test func lowLevelStatementAccessForLoaders() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute(usersSchema)
        try await db.execute("INSERT INTO users(id, name, age) VALUES (1, 'Ann', 30), (2, 'Bob', NULL)")
        db.queryLog.clear()
        let result = try await db.read { conn in
            try conn.withCachedStatement("SELECT id, name, age FROM users WHERE id IN (?, ?) ORDER BY id") {
                statement in
                try statement.bind([1, 2], keyCount: 2, table: "users")
                var values: [[SQLiteValue]] = []
                var users: [User] = []
                while try statement.step() {
                    values.append((0..<3).map { statement.value(at: $0) })
                    users.append(try statement.decodeRow(User.self))
                }
                return (values, users)
            }
        }
        #expect(result.0 == [[1, "Ann", 30], [2, "Bob", nil]])
        #expect(result.1 == [User(id: 1, name: "Ann"), User(id: 2, name: "Bob")])
        let entry = try #require(db.queryLog.entries.first { $0.sql.hasPrefix("SELECT id, name, age") })
        #expect(entry.keyCount == 2)
        #expect(entry.rowCount == 2)
        #expect(entry.table == "users")
        await db.close()
    }
}
