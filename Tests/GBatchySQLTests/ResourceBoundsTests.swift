import Foundation
import GBatchy
import GBatchySQL
import Testing

/// Resource bounds: a database gives back every file descriptor and thread it took once it is closed.
///
/// Linux only (it counts `/proc/self/fd` and `/proc/self/task`). Other suites run at the same time and open databases
/// of their own, so the process-wide counts move a little; the bounds allow for that, and a leak of one descriptor or
/// thread per database would overshoot them many times over. File descriptors on this test's own files are counted
/// exactly. `GBATCHY_RESOURCE_OPENS` sets the number of databases (2,000 by default).
@Suite("Resource bounds", .timeLimit(.minutes(5)))
struct ResourceBoundsTests {
    static let opens = ProcessInfo.processInfo.environment["GBATCHY_RESOURCE_OPENS"].flatMap(Int.init) ?? 2_000
    static let warmUp = 50
    /// How far the process-wide counts may move because of other suites running meanwhile.
    static let noise = 64

    struct Item: Codable, Sendable, Equatable {
        var id: Int
        var name: String
    }

    @Test("opening and closing databases (a load and a write each) leaks no file descriptor or thread")
    func openAndCloseManyDatabases() async throws {
        guard Self.processEntries("fd") != nil else { return }  // not Linux: nothing to count
        // In memory (tmpfs) where there is one: the test counts descriptors and threads, and each database's
        // creation and closing checkpoint would otherwise wait for the disk.
        let memory = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let base =
            FileManager.default.isWritableFile(atPath: memory.path) ? memory : FileManager.default.temporaryDirectory
        try await withTemporaryDirectory(in: base) { directory in
            for index in 0..<Self.warmUp { try await Self.useOneDatabase(index, in: directory) }
            let before = try Self.counts(directory)
            for index in Self.warmUp..<(Self.warmUp + Self.opens) {
                try await Self.useOneDatabase(index, in: directory)
            }
            let after = try Self.counts(directory)
            #expect(after.ownFiles == 0, "descriptors still open on the closed databases' files")
            #expect(
                after.descriptors <= before.descriptors + Self.noise,
                "file descriptors: \(before.descriptors) before \(Self.opens) databases, \(after.descriptors) after"
            )
            #expect(
                after.threads <= before.threads + Self.noise,
                "threads: \(before.threads) before \(Self.opens) databases, \(after.threads) after"
            )
        }
    }

    /// Opens a database file, writes a row, loads it through a table loader, closes it and deletes its files.
    static func useOneDatabase(_ index: Int, in directory: URL) async throws {
        let path = directory.appendingPathComponent("db-\(index).sqlite").path
        try await withDatabase(at: path) { db in
            try await db.write { conn in
                try conn.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
                try conn.execute("INSERT INTO items(id, name) VALUES (?, ?)", [index, "item \(index)"])
            }
            let items = db.loader(Item.self, table: "items", key: "id")
            let loaded = try await withBatchContext { try await items.load(index) }
            #expect(loaded == Item(id: index, name: "item \(index)"))
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The process's open file descriptors and threads, and the descriptors open on files under `directory`.
    static func counts(_ directory: URL) throws -> (descriptors: Int, threads: Int, ownFiles: Int) {
        let descriptors = try #require(processEntries("fd"))
        let threads = try #require(processEntries("task"))
        let prefix = directory.resolvingSymlinksInPath().path
        let ownFiles = descriptors.count { entry in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")
            return target?.hasPrefix(prefix) ?? false
        }
        return (descriptors.count, threads.count, ownFiles)
    }

    /// The entries of `/proc/self/<name>`, or `nil` where there is no `/proc`.
    static func processEntries(_ name: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/\(name)")
    }
}
