import Foundation
import GBatchySQL

/// A unique temporary directory, created for one test and always removed.
func withTemporaryDirectory<R>(_ body: (URL) async throws -> R) async throws -> R {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("gbatchy-sql-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Opens a database file in a fresh temporary directory, runs `body`, and always closes and removes it.
func withTemporaryDatabase<R>(
    configuration: SQLiteDatabase.Configuration = .init(readerCount: 2),
    _ body: (SQLiteDatabase, String) async throws -> R
) async throws -> R {
    try await withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("test.sqlite").path
        let db = try SQLiteDatabase(path: path, configuration: configuration)
        do {
            let result = try await body(db, path)
            await db.close()
            return result
        } catch {
            await db.close()
            throw error
        }
    }
}

/// Runs `body` and returns the error it throws, or nil.
func capture(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

let usersSchema = "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER, email TEXT)"

struct User: Codable, Sendable, Equatable {
    var id: Int
    var name: String
}

func count(_ table: String, in db: SQLiteDatabase) async throws -> Int {
    try await db.query("SELECT count(*) FROM \(table)", as: Int.self)[0]
}
