import Foundation
import GBatchySQL
import Testing

struct TestFailure: Error, Equatable {}

@Suite("Scripts and write transactions", .timeLimit(.minutes(1)))
struct WriteTests {
    @Test func scriptWithSeveralStatements() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                """
                CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                INSERT INTO users(id, name) VALUES (1, 'Ann');
                -- a comment between statements
                INSERT INTO users(id, name) VALUES (2, 'Bob');
                UPDATE users SET name = upper(name) WHERE id = 2;
                """
            )
            let users = try await db.query("SELECT id, name FROM users ORDER BY id", as: User.self)
            #expect(users == [User(id: 1, name: "Ann"), User(id: 2, name: "BOB")])
            // Script statements are not cached.
            _ = try await db.write { $0.cachedStatementCount }  // caches BEGIN IMMEDIATE and COMMIT
            let before = try await db.write { $0.cachedStatementCount }
            try await db.execute("INSERT INTO users(id, name) VALUES (3, 'Cy'); DELETE FROM users WHERE id = 3")
            #expect(try await db.write { $0.cachedStatementCount } == before)
        }
    }

    @Test func executeWithArgumentsRejectsSeveralStatements() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute("CREATE TABLE t(x)")
        let error = await capture { try await db.execute("INSERT INTO t VALUES (?); DELETE FROM t", [1]) }
        #expect((error as? SQLiteSourceError)?.resultCode == .misuse)
        #expect(try await count("t", in: db) == 0)
        let countError = await capture { try await db.execute("INSERT INTO t VALUES (?)", [1, 2]) }
        #expect((countError as? SQLiteSourceError)?.resultCode == .range)
        await db.close()
    }

    @Test func writeCommitsAndReturnsAValue() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(usersSchema)
            let rows = try await db.write { conn in
                try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
                try conn.execute("INSERT INTO users(name) VALUES (?)", ["Bob"])
                #expect(conn.lastInsertedRowID == 2)
                #expect(conn.changedRowCount == 1)
                return try conn.query("SELECT id, name FROM users ORDER BY id", as: User.self)
            }
            #expect(rows == [User(id: 1, name: "Ann"), User(id: 2, name: "Bob")])
            #expect(try await db.query("SELECT id, name FROM users ORDER BY id", as: User.self) == rows)
        }
    }

    @Test func thrownErrorRollsBackEverything() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
            let error = await capture {
                try await db.write { conn in
                    try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [2, "Bob"])
                    try conn.execute("UPDATE users SET name = name || ' changed'")
                    try conn.execute("CREATE TABLE scratch(x)")
                    throw TestFailure()
                }
            }
            #expect(error as? TestFailure == TestFailure(), "\(String(describing: error))")
            #expect(try await count("users", in: db) == 1)
            #expect(try await db.query("SELECT name FROM users", as: String.self) == ["Ann"])
            #expect(try await db.tableColumns("scratch") == nil)
            #expect(try await db.query("PRAGMA integrity_check", as: String.self) == ["ok"])
            // The writer is usable again: no transaction left open.
            try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [3, "Cy"]) }
            #expect(try await count("users", in: db) == 2)
        }
    }

    @Test func constraintViolationInsideWriteWritesNothing() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
            var caughtByPattern = false
            do {
                try await db.write { conn in
                    try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [2, "Bob"])
                    try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [3, "Ann"])
                }
            } catch SQLiteSourceError.constraint {
                caughtByPattern = true
            }
            #expect(caughtByPattern)
            let error = await capture {
                try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (1, 'Zed')") }
            }
            let sqliteError = try #require(error as? SQLiteSourceError)
            #expect(sqliteError.resultCode == .constraint)
            #expect(sqliteError.extendedResultCode == .constraintPrimaryKey)
            #expect(SQLiteSourceError.ResultCode.constraint ~= sqliteError)
            #expect(!(SQLiteSourceError.ResultCode.constraintUnique ~= sqliteError))
            #expect(!(SQLiteSourceError.ResultCode.busy ~= sqliteError))
            #expect(sqliteError.message == "UNIQUE constraint failed: users.id")
            #expect(sqliteError.sql == "INSERT INTO users(id, name) VALUES (1, 'Zed')")
            #expect(sqliteError.description.contains("SQLITE_CONSTRAINT_PRIMARYKEY"))
            #expect(try await db.query("SELECT id, name FROM users", as: User.self) == [User(id: 1, name: "Ann")])
            #expect(try await db.query("PRAGMA integrity_check", as: String.self) == ["ok"])
        }
    }

    @Test func inMemoryDatabaseServesReadsAndWritesOnOneConnection() async throws {
        let db = try SQLiteSource.inMemory()
        try await db.execute(usersSchema)
        try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"]) }
        #expect(
            try await db.read { conn in try conn.query("SELECT id, name FROM users", as: User.self) }
                == [User(id: 1, name: "Ann")]
        )
        #expect(db.queryLog.entries.allSatisfy { $0.role == .writer })
        let inSnapshot = try await db.withReadSnapshot { try await count("users", in: db) }
        #expect(inSnapshot == 1)
        await db.close()
    }

    @Test func foreignKeysAreEnforced() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(
                "CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(parent_id REFERENCES parent(id))"
            )
            await #expect(throws: SQLiteSourceError.self) {
                try await db.execute("INSERT INTO child VALUES (?)", [42])
            }
            #expect(try await db.query("PRAGMA journal_mode", as: String.self) == ["wal"])
        }
    }

    @Test func tableColumnsIntrospection() async throws {
        try await withTemporaryDatabase { db, _ in
            try await db.execute(usersSchema)
            #expect(try await db.tableColumns("users") == ["id", "name", "age", "email"])
            #expect(try await db.tableColumns("nope") == nil)
            #expect(try await db.read { try $0.tableColumns("users'; DROP TABLE users; --") } == nil)
            #expect(try await db.tableColumns("users") != nil)
        }
    }
}
