import Foundation
import GBatchySQL

/// The demo's databases, built from the repository's `Fixtures/` folder.
enum FixtureDatabase {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// Runs `Fixtures/<name>/schema.sql` and then `data.sql`, each whole, as scripts.
    static func load(_ name: String, into db: SQLiteSource) async throws {
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        try await db.execute(try String(contentsOf: folder.appendingPathComponent("schema.sql"), encoding: .utf8))
        try await db.execute(try String(contentsOf: folder.appendingPathComponent("data.sql"), encoding: .utf8))
    }

    /// Builds the fixture `name` in a file in a temporary folder, runs `body` on it, then closes and removes it.
    static func withDatabase(_ name: String, _ body: (SQLiteSource) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gbatchy-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = try SQLiteSource(path: folder.appendingPathComponent("\(name).sqlite").path)
        do {
            try await load(name, into: db)
            db.queryLog.clear()
            try await body(db)
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}
