import Foundation
import GBatchy
import Testing

@testable import GBatchySQL

/// R4: SQLite faults seen through the table loaders and `write {}`.
///
/// Every test makes several waiters hit the fault in one context (one batch of loads, or concurrent writes), checks
/// the typed error each one gets, runs a second context concurrently that must be unaffected, and ends with
/// `PRAGMA integrity_check` and a read-back of every write committed before the fault.
/// The database-level versions of some faults live in ``BusyAndFullTests`` and ``OpeningTests``.
/// The time limit is a generous bound: no test waits on time, but a hang must fail loudly instead of stalling CI.
@Suite("SQLite faults through the loaders", .timeLimit(.minutes(1)))
struct FaultTests {
    // MARK: - (1) A writer holding the lock past the busy timeout

    @Test func aWriterHoldingTheLockFailsWritesWithBusyWhileLoadsKeepWorking() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2, busyTimeout: .milliseconds(100))) {
            db,
            path in
            try await seedItems(db)
            let holderDB = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")

            // The other database enters BEGIN IMMEDIATE, writes, then blocks its own writer thread on the gate.
            let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
            let gate = DispatchSemaphore(value: 0)
            let holder = Task {
                defer { enteredContinuation.finish() }  // ends the wait below even if the write fails early
                try await holderDB.write { conn in
                    try conn.execute("INSERT INTO items(id, name, grp) VALUES (?, ?, ?)", [100, "holder", 1])
                    enteredContinuation.yield()
                    gate.wait()  // blocks holderDB's writer thread, not the cooperative pool
                }
            }
            var didEnter = false
            for await _ in entered {
                didEnter = true
                break
            }

            let failure = await capture {
                try #require(didEnter, "the holder must hold the write lock")
                let neighbour = startNeighbour(items: items, groups: groups)
                let (writeErrors, loads, stats) = try await withBatchContext {
                    async let first = capture { try await db.write { try insertItem(1001, into: $0) } }
                    async let second = capture { try await db.write { try insertItem(1002, into: $0) } }
                    async let loads = loadEach([1, 2, 3]) { try await items.load($0) }
                    return try await ([first, second], loads, currentStatistics)
                }
                for error in writeErrors {
                    let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                    #expect(SQLiteSourceError.busy ~= sqliteError)
                    #expect(sqliteError.message == "database is locked")
                    #expect(sqliteError.path == path)
                    #expect(sqliteError.description.contains(path))
                }
                // WAL: the loads of the same tick read the last committed snapshot while the lock is held.
                #expect(try loads.map { try $0.get() } == [item(1), item(2), item(3)])
                #expect(stats["items.id"].batchSizes == [3])
                try await expectNeighbour(neighbour)
            }
            gate.signal()
            try await holder.value
            await holderDB.close()
            if let failure { throw failure }

            // The holder's commit and every earlier write are there; the failed writes left nothing.
            try await withBatchContext { () async throws in
                #expect(
                    try await items.loadAll([1, 20, 100, 1001, 1002]).map { $0?.name }
                        == ["item 1", "item 20", "holder", nil, nil]
                )
            }
            #expect(try await count("items", in: db) == 21)
            #expect(try await integrityCheck(path) == ["ok"])
        }
    }

    // MARK: - (2) Disk full (max_page_count)

    @Test func aFullDatabaseFailsBigWritesWithFullAndLoadsStillWork() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, path in
            try await seedItems(db)
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let pageCount = try await db.query("PRAGMA page_count", as: Int.self)[0]
            try await db.execute("PRAGMA max_page_count = \(pageCount + 2)")  // on the writer connection

            let neighbour = startNeighbour(items: items, groups: groups)
            try await withBatchContext {
                #expect(try await items.load(1) == item(1))
                async let first = capture { try await db.write { try insertBigItems(from: 2000, into: $0) } }
                async let second = capture { try await db.write { try insertBigItems(from: 3000, into: $0) } }
                async let loads = loadEach([2, 3, 4]) { try await items.load($0) }
                let (writeErrors, results) = try await ([first, second], loads)
                for error in writeErrors {
                    let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                    #expect(SQLiteSourceError.full ~= sqliteError)
                    #expect(sqliteError.message == "database or disk is full")
                    #expect(sqliteError.sql?.hasPrefix("INSERT INTO items") == true)
                    #expect(sqliteError.description.contains(path))
                }
                #expect(try results.map { try $0.get() } == [item(2), item(3), item(4)])
                // Nothing of the failed writes is visible, in this context or in the file.
                #expect(try await items.loadAll([2000, 2001, 3000]).allSatisfy { $0 == nil })
                #expect(try await groups.load(0).count == 6)
                try await expectNeighbour(neighbour)  // before the rename below, which it would see
                // A small write still fits, and its loader sees it in the same context.
                try await db.write { conn in try conn.execute("UPDATE items SET name = 'renamed' WHERE id = 1") }
                #expect(try await items.load(1)?.name == "renamed")
            }
            #expect(try await count("items", in: db) == 20)
            #expect(try await integrityCheck(path) == ["ok"])
        }
    }

    // MARK: - (3) A read-only file

    @Test func aReadOnlyDatabaseFailsWritesWithReadOnlyAndLoadsWork() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("ro.sqlite").path
            let seeder = try SQLiteSource(path: path)
            try await seedItems(seeder)
            await seeder.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: path))

            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2, readOnly: true))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let failure = await capture {
                let neighbour = startNeighbour(items: items, groups: groups)
                try await withBatchContext {
                    async let first = capture { try await db.write { try insertItem(1001, into: $0) } }
                    async let second = capture {
                        try await db.write { conn in try conn.execute("UPDATE items SET name = 'x' WHERE id = 1") }
                    }
                    async let loads = loadEach([1, 2, 3]) { try await items.load($0) }
                    let (writeErrors, results) = try await ([first, second], loads)
                    for error in writeErrors {
                        let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                        #expect(SQLiteSourceError.readOnly ~= sqliteError)
                        #expect(sqliteError.message == "attempt to write a readonly database")
                        #expect(sqliteError.description.contains(path))
                    }
                    #expect(try results.map { try $0.get() } == [item(1), item(2), item(3)])
                    #expect(try await items.load(1001) == nil)
                    #expect(try await items.load(1)?.name == "item 1")
                }
                try await expectNeighbour(neighbour)
            }
            await db.close()
            if let failure { throw failure }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try await integrityCheck(path) == ["ok"])
        }
    }

    // MARK: - (4) A corrupt file

    /// Pages 2 and later are overwritten after the database was opened and its loaders created: every waiter of the
    /// batch, in both loaders, gets `SQLITE_CORRUPT`, and GBatchy writes nothing to the damaged file.
    @Test func pagesOverwrittenUnderAnOpenDatabaseFailEveryWaiterWithCorrupt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("damaged.sqlite").path
            try await makeSeededFile(path, count: 300)
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let damaged = try overwrite(path, from: 4096)

            let failure = await capture {
                let healthy = try await HealthyDatabase()
                let neighbour = startNeighbour(items: healthy.items, groups: healthy.groups)
                try await withBatchContext {
                    async let single = loadEach([1, 2, 3]) { try await items.load($0) }
                    async let grouped = loadEach([0, 1]) { try await groups.load($0) }
                    let (singles, groupResults) = try await (single, grouped)
                    let errors = singles.map(\.failure) + groupResults.map(\.failure)
                    #expect(errors.count == 5)
                    for error in errors {
                        let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                        #expect(SQLiteSourceError.corrupt ~= sqliteError)
                        #expect(sqliteError.message.contains("malformed"))
                        #expect(sqliteError.sql?.contains(#""items" AS "t""#) == true)
                        #expect(sqliteError.description.contains(path))
                    }
                    #expect(currentStatistics["items.id"].batchSizes == [3])
                    #expect(currentStatistics["items.grp[]"].batchSizes == [2])
                }
                try await expectNeighbour(neighbour)
                await healthy.db.close()
            }
            await db.close()
            if let failure { throw failure }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
        }
    }

    /// The whole file, header included, is replaced by random bytes (same inode) under an open database.
    @Test func garbageWrittenOverAnOpenDatabaseFailsEveryWaiterClearly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("garbage.sqlite").path
            try await makeSeededFile(path, count: 300)
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let damaged = try overwrite(path, from: 0)

            let failure = await capture {
                let results = try await withBatchContext {
                    try await loadEach([1, 2, 3]) { try await items.load($0) }
                }
                for result in results {
                    let sqliteError = try #require(result.failure as? SQLiteSourceError, "\(result)")
                    #expect(SQLiteSourceError.notADatabase ~= sqliteError || SQLiteSourceError.corrupt ~= sqliteError)
                    #expect(sqliteError.description.contains(path))
                }
            }
            await db.close()
            if let failure { throw failure }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
            // Opening it afresh fails clearly too, and still writes nothing.
            let openError = await capture { _ = try SQLiteSource(path: path) }
            #expect(SQLiteSourceError.notADatabase ~= openError ?? TestFailure())
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damaged)
        }
    }

    // MARK: - (5) A file deleted or replaced under an open database

    /// What actually happens on Linux (WAL): after `unlink`, a reader connection that had read the file keeps
    /// reading the open inode, and one that had not fails with `SQLITE_IOERR_FSTAT`; GBatchy refuses writes with
    /// `SQLITE_READONLY_DBMOVED` (SQLite itself would commit them into the WAL of a file nobody can open again).
    /// Nothing hangs, and closing empties the WAL so that a new file created at the path cannot inherit its frames.
    @Test func aDeletedFileFailsReadsWithIOErrorAndRefusesWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("deleted.sqlite").path
            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let failure = await capture {
                try await seedItems(db)
                try await withBatchContext { () async throws in
                    #expect(try await items.loadAll([4, 5]) == [item(4), item(5)])  // a warm loader and cache
                }
                #expect(unlink(path) == 0)

                let healthy = try await HealthyDatabase()
                let neighbour = startNeighbour(items: healthy.items, groups: healthy.groups)
                try await withBatchContext {
                    async let first = capture { try await db.write { try insertItem(1001, into: $0) } }
                    async let second = capture { try await db.execute("DELETE FROM items") }
                    async let single = loadEach([4, 5, 6]) { try await items.load($0) }
                    async let grouped = loadEach([0, 1]) { try await groups.load($0) }
                    let (writeErrors, singles, groupResults) = try await ([first, second], single, grouped)
                    for error in writeErrors {
                        let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                        #expect(sqliteError.extendedResultCode == .readOnlyDatabaseMoved)
                        #expect(SQLiteSourceError.readOnly ~= sqliteError)
                        #expect(sqliteError.description.contains(path))
                    }
                    // A reader connection that had read the file before the unlink keeps reading its inode; one
                    // that had not fails with SQLITE_IOERR_FSTAT. Which reader serves the tick is the pool's choice.
                    for (result, id) in zip(singles, [4, 5, 6]) {
                        switch result {
                        case .success(let row): #expect(row == item(id))
                        case .failure(let error): try expectIOErrorFstat(error, path: path)
                        }
                    }
                    for (result, grp) in zip(groupResults, [0, 1]) {
                        switch result {
                        case .success(let rows): #expect(rows == expectedGroup(grp))
                        case .failure(let error): try expectIOErrorFstat(error, path: path)
                        }
                    }
                }
                try await expectNeighbour(neighbour)
                await healthy.db.close()
            }
            await db.close()
            if let failure { throw failure }
            #expect(!FileManager.default.fileExists(atPath: path))
            let wal = path + "-wal"
            let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            #expect(walSize == 0, "a WAL left with frames would be read by the next file created at the path")
        }
    }
    /// Another database renamed over the path: the open database keeps reading its own (now nameless) file and
    /// refuses writes; the file now at the path is intact and holds the replacement's rows.
    @Test func aFileReplacedByRenameKeepsServingTheOldDataAndRefusesWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("replaced.sqlite").path
            let replacementPath = directory.appendingPathComponent("replacement.sqlite").path
            let replacement = try SQLiteSource(path: replacementPath)
            try await replacement.execute(itemsSchema)
            try await replacement.execute("INSERT INTO items(id, name, grp) VALUES (1, 'replacement', 0)")
            await replacement.close()

            let db = try SQLiteSource(path: path, configuration: .init(readerCount: 2))
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let failure = await capture {
                try await seedItems(db)
                #expect(rename(replacementPath, path) == 0)

                let neighbour = startNeighbour(items: items, groups: groups)
                try await withBatchContext {
                    async let first = capture { try await db.write { try insertItem(1001, into: $0) } }
                    async let second = capture { try await db.execute("DELETE FROM items") }
                    async let loads = loadEach([1, 2, 3]) { try await items.load($0) }
                    let (writeErrors, results) = try await ([first, second], loads)
                    for error in writeErrors {
                        let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                        #expect(sqliteError.extendedResultCode == .readOnlyDatabaseMoved)
                        #expect(sqliteError.description.contains(path))
                    }
                    #expect(try results.map { try $0.get() } == [item(1), item(2), item(3)])
                }
                try await expectNeighbour(neighbour)
                #expect(try await count("items", in: db) == 20)
            }
            await db.close()
            if let failure { throw failure }
            // The open database's WAL never reached the replacement.
            #expect(try await integrityCheck(path) == ["ok"])
            let fresh = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
            let names = await capture { () async throws in
                #expect(try await fresh.query("SELECT name FROM items", as: String.self) == ["replacement"])
            }
            await fresh.close()
            if let names { throw names }
        }
    }

    // MARK: - (7) A constraint violation inside write {}

    @Test func aConstraintViolationWritesNothingAndLeavesTheCacheClean() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 2)) { db, path in
            try await seedItems(db)
            let items = db.loader(FaultItem.self, table: "items", key: "id")
            let groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            let neighbour = startNeighbour(items: items, groups: groups)
            try await withBatchContext {
                #expect(try await items.loadAll([1, 2]) == [item(1), item(2)])
                // Each write renames a cached row, then inserts five rows; the third duplicates a primary key.
                func failingWrite(renaming id: Int, inserting ids: [Int]) async -> (any Error)? {
                    await capture {
                        try await db.write { conn in
                            try conn.execute("UPDATE items SET name = 'changed' WHERE id = ?", [id])
                            for id in ids { try insertItem(id, into: conn) }
                        }
                    }
                }
                async let first = failingWrite(renaming: 1, inserting: [101, 102, 1, 103, 104])
                async let second = failingWrite(renaming: 2, inserting: [201, 202, 2, 203, 204])
                async let loads = loadEach([3, 4]) { try await items.load($0) }
                let (writeErrors, results) = try await ([first, second], loads)
                for error in writeErrors {
                    let sqliteError = try #require(error as? SQLiteSourceError, "\(String(describing: error))")
                    #expect(SQLiteSourceError.constraint ~= sqliteError)
                    #expect(sqliteError.extendedResultCode == .constraintPrimaryKey)
                    #expect(sqliteError.message == "UNIQUE constraint failed: items.id")
                    #expect(sqliteError.sql == "INSERT INTO items(id, name, grp) VALUES (?, ?, ?)")
                }
                #expect(try results.map { try $0.get() } == [item(3), item(4)])

                // The cache still holds the pre-write rows, and so does the database.
                let hitsBefore = currentStatistics["items.id"].cacheHits
                #expect(try await items.loadAll([1, 2]) == [item(1), item(2)])
                #expect(currentStatistics["items.id"].cacheHits == hitsBefore + 2)
                items.clearAll()
                #expect(try await items.loadAll([1, 2]) == [item(1), item(2)])
                let inserted = [101, 102, 103, 104, 201, 202, 203, 204]
                #expect(try await items.loadAll(inserted).allSatisfy { $0 == nil })
            }
            try await expectNeighbour(neighbour)
            #expect(try await count("items", in: db) == 20)
            #expect(try await integrityCheck(path) == ["ok"])
        }
    }

    // MARK: - Other contexts are unaffected

    @Test func twentyContextsHalfOnACorruptDatabaseHalfOnAHealthyOne() async throws {
        try await withTemporaryDirectory { directory in
            let brokenPath = directory.appendingPathComponent("broken.sqlite").path
            try await makeSeededFile(brokenPath, count: 300)
            let broken = try SQLiteSource(path: brokenPath, configuration: .init(readerCount: 2))
            let brokenItems = broken.loader(FaultItem.self, table: "items", key: "id")
            let brokenGroups = broken.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
            _ = try overwrite(brokenPath, from: 4096)

            let failure = await capture {
                let healthy = try await HealthyDatabase()
                let outcomes = try await withThrowingTaskGroup(
                    of: (Int, [Result<FaultItem?, any Error>], [Result<[FaultItem], any Error>]).self
                ) { group in
                    for index in 0..<20 {
                        let isBroken = index.isMultiple(of: 2)
                        let items = isBroken ? brokenItems : healthy.items
                        let groups = isBroken ? brokenGroups : healthy.groups
                        group.addTask {
                            try await withBatchContext {
                                async let single = loadEach([1, 2, 3, index + 1]) { try await items.load($0) }
                                async let grouped = loadEach([0, 1, 2]) { try await groups.load($0) }
                                return try await (index, single, grouped)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.count == 20)
                for (index, singles, grouped) in outcomes {
                    if index.isMultiple(of: 2) {
                        let errors = singles.map(\.failure) + grouped.map(\.failure)
                        #expect(
                            errors.allSatisfy { SQLiteSourceError.corrupt ~= $0 ?? TestFailure() },
                            "context \(index)"
                        )
                    } else {
                        #expect(try singles.map { try $0.get() } == [1, 2, 3, index + 1].map(item), "context \(index)")
                        #expect(try grouped.map { try $0.get() } == (0..<3).map(expectedGroup), "context \(index)")
                    }
                }
                await healthy.db.close()
            }
            await broken.close()
            if let failure { throw failure }
        }
    }
}

// MARK: - Support

/// The error of a read on a file deleted before that connection first read it.
func expectIOErrorFstat(_ error: any Error, path: String) throws {
    let sqliteError = try #require(error as? SQLiteSourceError, "\(error)")
    #expect(sqliteError.extendedResultCode.rawValue == 1802)  // SQLITE_IOERR_FSTAT
    #expect(SQLiteSourceError.ResultCode.ioError ~= sqliteError)
    #expect(sqliteError.description.contains(path))
}

struct FaultItem: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
    let grp: Int
}

let itemsSchema = "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, grp INTEGER NOT NULL)"

/// The seeded row of `id`.
func item(_ id: Int) -> FaultItem { FaultItem(id: id, name: "item \(id)", grp: id % 3) }

/// The seeded rows of group `grp`, among the first 20 items.
func expectedGroup(_ grp: Int) -> [FaultItem] { (1...20).filter { $0 % 3 == grp }.map(item) }

/// Creates `items` and commits rows 1...count in one write.
func seedItems(_ db: SQLiteSource, count: Int = 20) async throws {
    try await db.execute(itemsSchema)
    try await db.write { conn in
        for id in 1...count { try insertItem(id, into: conn) }
    }
}

func insertItem(_ id: Int, into conn: SQLiteSourceConnection) throws {
    try conn.execute("INSERT INTO items(id, name, grp) VALUES (?, ?, ?)", [id, "item \(id)", id % 3])
}

/// Inserts 50 rows of 4 KB each: far more than two free pages.
func insertBigItems(from first: Int, into conn: SQLiteSourceConnection) throws {
    let name = String(repeating: "x", count: 4000)
    for id in first..<(first + 50) {
        try conn.execute("INSERT INTO items(id, name, grp) VALUES (?, ?, ?)", [id, name, 0])
    }
}

/// A closed, checkpointed database file with `count` items: no WAL left, every row in the main file.
func makeSeededFile(_ path: String, count: Int) async throws {
    let db = try SQLiteSource(path: path)
    let failure = await capture { try await seedItems(db, count: count) }
    await db.close()
    if let failure { throw failure }
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
}

/// Overwrites the file from `offset` to its end with random bytes, in place (same inode), and returns its bytes.
func overwrite(_ path: String, from offset: Int) throws -> Data {
    let url = URL(fileURLWithPath: path)
    let size = try Data(contentsOf: url).count
    var generator = SystemRandomNumberGenerator()
    let garbage = Data((offset..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let handle = try FileHandle(forWritingTo: url)
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: garbage)
    try handle.close()
    return try Data(contentsOf: url)
}

/// `PRAGMA integrity_check` on a fresh database handle.
func integrityCheck(_ path: String) async throws -> [String] {
    let db = try SQLiteSource(path: path, configuration: .init(readerCount: 1))
    var result: [String] = []
    let failure = await capture { result = try await db.query("PRAGMA integrity_check", as: String.self) }
    await db.close()
    if let failure { throw failure }
    return result
}

/// Runs `load` for every key in its own task, in the current context: one waiter per key, and each keeps its own
/// result.
func loadEach<Value: Sendable>(
    _ keys: [Int],
    _ load: @escaping @Sendable (Int) async throws -> Value
) async throws -> [Result<Value, any Error>] {
    try await pmap(keys) { key in
        do {
            return .success(try await load(key))
        } catch {
            return .failure(error)
        }
    }
}

/// An in-memory database seeded with 20 items, and its loaders.
struct HealthyDatabase {
    let db: SQLiteSource
    let items: TableLoader<Int, FaultItem>
    let groups: GroupLoader<Int, FaultItem>

    init() async throws {
        db = try SQLiteSource.inMemory()
        try await seedItems(db)
        items = db.loader(FaultItem.self, table: "items", key: "id")
        groups = db.groupLoader(FaultItem.self, table: "items", key: "grp", orderBy: "id")
    }
}

/// What a neighbour context loaded, and what it should have.
struct NeighbourReport: Sendable {
    let rows: [FaultItem?]
    let groups: [[FaultItem]]
    let expectedRows: [FaultItem?]
    let expectedGroups: [[FaultItem]]
}

/// Starts another context that loads items 1...20 and groups 0...2 while the fault happens, seeded rows expected
/// (with `renamed` names).
func startNeighbour(
    items: TableLoader<Int, FaultItem>,
    groups: GroupLoader<Int, FaultItem>,
    renamed: [Int: String] = [:]
) -> Task<NeighbourReport, any Error> {
    func expected(_ id: Int) -> FaultItem {
        FaultItem(id: id, name: renamed[id] ?? "item \(id)", grp: id % 3)
    }
    return Task {
        try await withBatchContext {
            async let rows = pmap(1...20) { try await items.load($0) }
            async let grouped = pmap(0..<3) { try await groups.load($0) }
            let (loadedRows, loadedGroups) = try await (rows, grouped)
            return NeighbourReport(
                rows: loadedRows,
                groups: loadedGroups,
                expectedRows: (1...20).map(expected),
                expectedGroups: (0..<3).map { grp in (1...20).filter { $0 % 3 == grp }.map(expected) }
            )
        }
    }
}

func expectNeighbour(_ neighbour: Task<NeighbourReport, any Error>) async throws {
    let report = try await neighbour.value
    #expect(report.rows == report.expectedRows)
    #expect(report.groups == report.expectedGroups)
}

/// A table loader reads the schema again only after an error that can come from a schema change (issue #10).
@Suite("Schema re-reads", .timeLimit(.minutes(1)))
struct SchemaRereadTests {
    @Test("a corrupt database fails the batch without a second schema read")
    func corruptionDoesNotRereadTheSchema() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("damaged.sqlite").path
            try await makeSeededFile(path, count: 300)
            try await withDatabase(at: path) { db in
                let items = db.loader(FaultItem.self, table: "items", key: "id")
                _ = try overwrite(path, from: 4096)
                let failure = await capture { _ = try await withBatchContext { try await items.loadAll([1, 2, 3]) } }
                let error = try #require(failure as? SQLiteSourceError, "\(String(describing: failure))")
                #expect(SQLiteSourceError.corrupt ~= error)
                // The first use checks the schema once; the corrupt query does not make it check again.
                let schemaReads = db.queryLog.entries.filter { $0.sql.contains("pragma_table_xinfo") }
                #expect(schemaReads.count == 1, "\(db.queryLog.entries.map(\.sql))")
            }
        }
    }
}
