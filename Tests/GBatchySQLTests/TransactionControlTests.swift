import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// Issue #9, defects 1 to 3: SQL that starts or ends a transaction (`BEGIN`, `COMMIT`, `ROLLBACK`, `END`,
/// `SAVEPOINT`, `RELEASE`) where the library owns the transaction.
///
/// Every test runs on a real file (with one reader, so that a poisoned reader would be the one used next) and on an
/// in-memory database (one connection for reads and writes), and ends by checking that every connection is back in
/// autocommit mode and that reads and writes still work.
@Suite("Transaction control statements in reads, writes and execute", .timeLimit(.minutes(1)))
struct TransactionControlTests {
    /// The statements that start, end or nest a transaction, in their various spellings.
    static let transactionControl = [
        "BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "BEGIN DEFERRED TRANSACTION", "COMMIT", "END", "ROLLBACK",
        "SAVEPOINT x", "RELEASE x", "ROLLBACK TO x",
    ]

    /// Runs `body` on a fresh database with a table `t(x)`, once as a file with one reader and once in memory.
    func onEachStorage(_ body: (SQLiteSource, FixtureStorage) async throws -> Void) async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute("CREATE TABLE t(x)")
            try await body(db, .file)
            try await expectUsable(db)
        }
        let memory = try SQLiteSource.inMemory()
        do {
            try await memory.execute("CREATE TABLE t(x)")
            try await body(memory, .memory)
            try await expectUsable(memory)
        } catch {
            await memory.close()
            throw error
        }
        await memory.close()
    }

    /// Every connection is in autocommit mode; a write commits and every reader sees it at once.
    func expectUsable(_ db: SQLiteSource) async throws {
        try await expectAutocommit(db)
        let before = try await count("t", in: db)
        try await db.execute("INSERT INTO t VALUES ('check')")
        try await db.write { conn in try conn.execute("INSERT INTO t VALUES ('check')") }
        #expect(try await count("t", in: db) == before + 2)
        #expect(try await db.read { conn in try conn.query("SELECT count(*) FROM t", as: Int.self)[0] } == before + 2)
        try await db.execute("DELETE FROM t WHERE x = 'check'")
        try await expectAutocommit(db)
    }

    func expectAutocommit(_ db: SQLiteSource, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await db.writer.submit { $0.isInAutocommitMode }, "writer", sourceLocation: sourceLocation)
        for reader in db.readers?.readers ?? [] {
            #expect(try await reader.submit { $0.isInAutocommitMode }, "reader", sourceLocation: sourceLocation)
        }
    }

    /// The error must be the library's refusal, naming the statement.
    func expectRefused(
        _ error: (any Error)?,
        _ sql: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let sqliteError = error as? SQLiteSourceError
        #expect(
            sqliteError?.resultCode == .misuse,
            "\(sql): \(String(describing: error))",
            sourceLocation: sourceLocation
        )
        // A statement of a script is named with its semicolon.
        #expect(sqliteError?.sql == sql || sqliteError?.sql == sql + ";", sourceLocation: sourceLocation)
        #expect(
            sqliteError?.message.contains("transaction control") == true,
            "\(String(describing: error))",
            sourceLocation: sourceLocation
        )
    }

    // MARK: - (1) Reads

    @Test func transactionControlOnTheReadPathIsRefusedAndLeavesNoReaderInATransaction() async throws {
        try await onEachStorage { db, storage in
            for sql in Self.transactionControl {
                let before = try await count("t", in: db)
                expectRefused(await capture { _ = try await db.query(sql, as: SQLiteSourceRow.self) }, sql)
                expectRefused(
                    await capture { _ = try await db.read { try $0.query(sql, as: SQLiteSourceRow.self) } },
                    sql
                )
                expectRefused(await capture { _ = try await db.read { try $0.execute(sql) } }, sql)
                try await expectAutocommit(db)
                // The reader is not stuck on an old snapshot: it sees a write committed since.
                try await db.execute("INSERT INTO t VALUES (?)", [sql])
                #expect(try await count("t", in: db) == before + 1, "\(storage) \(sql)")
                #expect(try await db.read { try $0.query("SELECT count(*) FROM t", as: Int.self)[0] } == before + 1)
            }
        }
    }

    @Test func tableLoadersStillWorkAfterARefusedBegin() async throws {
        struct Row: Decodable, Sendable, Equatable { var id: Int; var x: Int }
        try await onEachStorage { db, _ in
            try await db.execute("CREATE TABLE k(id INTEGER PRIMARY KEY, x); INSERT INTO k VALUES (1, 10), (2, 20)")
            _ = await capture { _ = try await db.query("BEGIN", as: SQLiteSourceRow.self) }
            let rows = db.loader(Row.self, table: "k", key: "id")
            let loaded = try await withBatchContext { try await rows.loadAll([1, 2]) }
            #expect(loaded == [Row(id: 1, x: 10), Row(id: 2, x: 20)])
            try await db.execute("INSERT INTO k VALUES (3, 30)")
            #expect(try await withBatchContext { try await rows.load(3) } == Row(id: 3, x: 30))
            try await db.execute("DROP TABLE k")
        }
    }

    // MARK: - (2) write {}

    @Test func writeRefusesCommitAndRollbackInsideItsBodyAndLeavesNothing() async throws {
        let bodies: [(String, @Sendable (SQLiteSourceConnection) throws -> Void)] = [
            (
                "COMMIT",
                { conn in
                    try conn.execute("INSERT INTO t VALUES (1)")
                    try conn.execute("COMMIT")
                    try conn.execute("INSERT INTO t VALUES (2)")
                }
            ),
            (
                "COMMIT",
                { conn in
                    try conn.execute("INSERT INTO t VALUES (1)")
                    try? conn.execute("COMMIT")  // the body swallows the refusal, then fails
                    throw TestFailure()
                }
            ),
            ("END", { conn in try conn.execute("INSERT INTO t VALUES (1); END; INSERT INTO t VALUES (2)") }),
            (
                "ROLLBACK",
                { conn in
                    try conn.execute("INSERT INTO t VALUES (1)")
                    try conn.execute("ROLLBACK")
                    try conn.execute("INSERT INTO t VALUES (2)")
                }
            ),
            ("BEGIN", { conn in try conn.execute("BEGIN") }),
            // The library's own cached COMMIT statement is not served to the body either.
            (
                "COMMIT",
                { conn in
                    try conn.execute("INSERT INTO t VALUES (?)", [1])
                    _ = try conn.query("COMMIT", as: SQLiteSourceRow.self)
                    throw TestFailure()
                }
            ),
        ]
        try await onEachStorage { db, storage in
            for (index, (statement, body)) in bodies.enumerated() {
                let error = await capture { try await db.write(body) }
                if error is TestFailure {
                    // Body 1 swallowed the refusal: the error is its own, and nothing committed.
                } else {
                    expectRefused(error, statement)
                }
                #expect(try await count("t", in: db) == 0, "\(storage), body \(index)")
                try await expectAutocommit(db)
            }
        }
    }

    @Test func savepointsInsideWriteNestAndTheWriteStaysAllOrNothing() async throws {
        try await onEachStorage { db, _ in
            try await db.write { conn in
                try conn.execute("SAVEPOINT a; INSERT INTO t VALUES (1); ROLLBACK TO a; INSERT INTO t VALUES (2)")
                try conn.execute("RELEASE a; SAVEPOINT b; INSERT INTO t VALUES (3)")  // b is left open: COMMIT ends it
            }
            #expect(try await db.query("SELECT x FROM t ORDER BY x", as: Int.self) == [2, 3])
            let error = await capture {
                try await db.write { conn in
                    try conn.execute("SAVEPOINT a; INSERT INTO t VALUES (4); RELEASE a")
                    throw TestFailure()
                }
            }
            #expect(error is TestFailure)
            #expect(try await db.query("SELECT x FROM t ORDER BY x", as: Int.self) == [2, 3])
            try await db.execute("DELETE FROM t")
        }
    }

    // MARK: - (3) execute

    @Test func executeRefusesToLeaveATransactionOpenAndLosesNoAcknowledgedWrite() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("test.sqlite").path
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            try await db.execute("CREATE TABLE t(x)")
            for sql in ["BEGIN", "BEGIN IMMEDIATE", "SAVEPOINT x", "INSERT INTO t VALUES ('lost'); BEGIN"] {
                let error = await capture { try await db.execute(sql) }
                let sqliteError = try #require(error as? SQLiteSourceError, "\(sql)")
                #expect(sqliteError.resultCode == .misuse)
                #expect(sqliteError.message.contains("left a transaction open"), "\(sqliteError)")
                try await expectAutocommit(db)
            }
            // Acknowledged writes after a refused BEGIN commit at once.
            try await db.execute("INSERT INTO t VALUES (?)", ["kept"])
            try await db.execute("INSERT INTO t VALUES ('kept too')")
            await db.close()
            let reopened = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            #expect(try await reopened.query("SELECT x FROM t", as: String.self) == ["lost", "kept", "kept too"])
            await reopened.close()
        }
    }

    @Test func aScriptFailingInsideItsOwnTransactionRollsItBack() async throws {
        try await onEachStorage { db, _ in
            try await db.execute("CREATE TABLE u(x UNIQUE)")
            // A whole transaction in one script is allowed.
            try await db.execute(
                "BEGIN; INSERT INTO u VALUES (1); SAVEPOINT s; INSERT INTO u VALUES (2); RELEASE s; COMMIT"
            )
            let error = await capture {
                try await db.execute("BEGIN; INSERT INTO u VALUES (3); INSERT INTO u VALUES (1); COMMIT")
            }
            #expect((error as? SQLiteSourceError)?.resultCode == .constraint, "\(String(describing: error))")
            try await expectAutocommit(db)
            #expect(try await db.query("SELECT x FROM u ORDER BY x", as: Int.self) == [1, 2])
            try await db.execute("DROP TABLE u")
        }
    }
}
