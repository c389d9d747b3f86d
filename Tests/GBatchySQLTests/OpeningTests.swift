import Foundation
import GBatchySQL
import Testing

@Suite("Opening files: missing, corrupt, read-only", .timeLimit(.minutes(1)))
struct OpeningTests {
    @Test func missingFileReadOnlyThrowsCantOpenNamingThePath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("missing.sqlite").path
            let error = await capture { _ = try SQLiteSource(path: path, configuration: .init(readOnly: true)) }
            let sqliteError = try #require(error as? SQLiteSourceError)
            #expect(sqliteError.resultCode == .cantOpen)
            #expect(sqliteError.path == path)
            #expect(sqliteError.description.contains(path))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func missingDirectoryThrowsCantOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("no/such/dir/db.sqlite").path
            do {
                _ = try SQLiteSource(path: path)
                Issue.record("opening should fail")
            } catch SQLiteSourceError.cantOpen {
            }
        }
    }

    @Test func randomBytesThrowNotADatabaseAndLeaveTheFileUntouched() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("random.sqlite").path
            var generator = SystemRandomNumberGenerator()
            let bytes = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try bytes.write(to: URL(fileURLWithPath: path))

            let error = await capture { _ = try SQLiteSource(path: path) }
            let sqliteError = try #require(error as? SQLiteSourceError)
            #expect(sqliteError.resultCode == .notADatabase)
            #expect(sqliteError.message == "file is not a database")
            #expect(sqliteError.description.contains(path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test func overwrittenHeaderThrowsAndLeavesTheFileUntouched() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("damaged.sqlite").path
            let db = try SQLiteSource(path: path)
            try await db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
            await db.close()

            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 100))
            try handle.close()
            let damaged = try Data(contentsOf: URL(fileURLWithPath: path))

            let error = await capture { _ = try SQLiteSource(path: path) }
            let sqliteError = try #require(error as? SQLiteSourceError)
            #expect(
                SQLiteSourceError.ResultCode.notADatabase ~= sqliteError
                    || SQLiteSourceError.ResultCode.corrupt ~= sqliteError
            )
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
        }
    }

    @Test func readOnlyConfigurationReadsButRejectsWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("ro.sqlite").path
            let writer = try SQLiteSource(path: path)
            try await writer.execute(usersSchema)
            try await writer.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
            await writer.close()
            #expect(chmod(path, 0o444) == 0)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))

            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1, readOnly: true))
            #expect(try await db.query("SELECT id, name FROM users", as: User.self) == [User(id: 1, name: "Ann")])
            do {
                try await db.write { conn in try conn.execute("INSERT INTO users(id, name) VALUES (?, ?)", [2, "Bob"]) }
                Issue.record("a write must fail")
            } catch SQLiteSourceError.readOnly {
            }
            do {
                try await db.execute("DELETE FROM users")
                Issue.record("a write must fail")
            } catch SQLiteSourceError.readOnly {
            }
            #expect(try await db.query("SELECT count(*) FROM users", as: Int.self) == [1])
            await db.close()
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    @Test func writeProtectedFileWithDefaultConfiguration() async throws {
        // Root bypasses file permissions, so this only checks behaviour for ordinary users.
        guard getuid() != 0 else { return }
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("protected.sqlite").path
            let writer = try SQLiteSource(path: path)
            try await writer.execute("CREATE TABLE t(x)")
            await writer.close()
            #expect(chmod(path, 0o444) == 0)
            // SQLite falls back to a read-only connection; opening may fail (WAL needs to write), writing must.
            let error = await capture {
                let db = try SQLiteSource(path: path)
                let writeError = await capture { try await db.execute("INSERT INTO t VALUES (1)") }
                await db.close()
                if let writeError { throw writeError }
            }
            #expect(error is SQLiteSourceError)
        }
    }

    @Test func freshFileSchemaIsVisibleToReaders() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, path in
            #expect(FileManager.default.fileExists(atPath: path))
            try await db.execute(usersSchema)
            try await db.execute("INSERT INTO users(id, name) VALUES (?, ?)", [1, "Ann"])
            #expect(try await db.read { conn in try conn.query("SELECT name FROM users", as: String.self) } == ["Ann"])
            let roles = Set(db.queryLog.entries.map(\.role))
            #expect(roles == [.reader, .writer])
        }
    }
}

/// A reader count below zero, set on the configuration after it was made, opens a database with no reader pool.
@Suite("Reader count below zero", .timeLimit(.minutes(1)))
struct NegativeReaderCountTests {
    @Test("readerCount set to -1 after init opens, reads on the writer and does not trap")
    func negativeReaderCountReadsOnTheWriter() async throws {
        var configuration = SQLiteSource.Configuration(readerCount: 2)
        configuration.readerCount = -1
        try await withTemporaryDatabase(configuration: configuration) { db, _ in
            try await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
            #expect(try await count("t", in: db) == 1)
        }
    }
}
