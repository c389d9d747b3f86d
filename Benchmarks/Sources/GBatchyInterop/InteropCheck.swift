// One file, four imports: the names a service sees when it uses GBatchy beside vapor/sqlite-nio (Fluent's SQLite
// driver) and GRDB. Every public type of GBatchy and GBatchySQL is named here without a module prefix, so a name that
// another of these modules also exports fails this file's build ("ambiguous for type lookup"). The program then runs
// a small request against a temporary SQLite file that GRDB writes and all three libraries read, and exits non-zero
// on a wrong result. PostgresInteropCheck.swift does the same for GBatchyPostgres beside PostgresNIO.

import Foundation
import GBatchy
import GBatchySQL
import GRDB
import SQLiteNIO

/// An author, as the table loaders decode it.
struct Author: Decodable, Sendable, Equatable {
    let id: Int
    let name: String
}

/// An author read by position, with no `Decodable` machinery.
struct AuthorByPosition: SQLiteRowDecodable, Equatable {
    static let columns = ["id", "name"]
    let id: Int
    let name: String

    init(id: Int, name: String) {
        self.id = id
        self.name = name
    }

    init(row: SQLiteColumns) throws {
        id = try row[0]
        name = try row[1, as: String.self]
    }
}

/// A post, as the group loader decodes it.
struct Post: Decodable, Sendable, Equatable {
    let id: Int
    let authorID: Int
    let title: String

    enum CodingKeys: String, CodingKey {
        case id, title
        case authorID = "author_id"
    }
}

/// What the request builds for one author.
struct Page: Sendable, Equatable {
    let author: Author
    let titles: [String]
}

/// The checks made, and the ones that failed.
struct Report {
    private(set) var checks = 0
    private(set) var failures: [String] = []

    /// Records a failure, described by `what`, unless `condition` holds.
    mutating func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        checks += 1
        if !condition { failures.append(what()) }
    }

    /// Records a failure unless `body` throws an `E` that `matches` accepts.
    mutating func expectError<E: Error>(
        _ type: E.Type,
        _ what: String,
        matches: (E) -> Bool = { _ in true },
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            check(false, "\(what): no error")
        } catch let error as E {
            check(matches(error), "\(what): \(error)")
        } catch {
            check(false, "\(what): \(Swift.type(of: error)): \(error)")
        }
    }
}

/// The keys a table loader sends for `keys`: one per distinct identity.
func distinctKeyCount<Key: SQLiteKey>(_ keys: [Key]) -> Int {
    Set(keys.map(\.sqliteIdentity)).count
}

@main
struct InteropCheck {
    static let authorCount = 40
    static let postCount = 200

    static func main() async {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gbatchy-interop-\(UUID().uuidString)")
        var report = Report()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("interop.sqlite").path
            let expected = try await seed(path: path)
            try await checkSQLiteNIO(path: path, report: &report)
            try await checkGBatchySQL(path: path, expected: expected, report: &report)
            try await checkGBatchy(report: &report)
            try await checkGBatchyPostgres(expected: expected, report: &report)
        } catch {
            report.check(false, "unexpected error: \(error)")
        }
        try? FileManager.default.removeItem(at: directory)
        for failure in report.failures { print("FAIL:", failure) }
        if report.failures.isEmpty {
            print("gbatchy-interop: \(report.checks) checks passed")
            exit(0)
        }
        print("gbatchy-interop: \(report.failures.count) of \(report.checks) checks failed")
        exit(1)
    }

    /// GRDB writes the authors and their posts, and reads back each author's page.
    static func seed(path: String) async throws -> [Page] {
        let queue = try DatabaseQueue(path: path, configuration: Configuration())
        try await queue.write { (db: Database) in
            try db.execute(
                sql: """
                    CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                    CREATE TABLE post (
                        id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES author(id), title TEXT NOT NULL);
                    CREATE INDEX post_by_author ON post(author_id, id);
                    """
            )
            for id in 1...authorCount {
                try db.execute(sql: "INSERT INTO author (id, name) VALUES (?, ?)", arguments: [id, "author \(id)"])
            }
            for id in 1...postCount {
                try db.execute(
                    sql: "INSERT INTO post (id, author_id, title) VALUES (?, ?, ?)",
                    arguments: [id, id % authorCount + 1, "post \(id)"]
                )
            }
        }
        let pages = try await queue.read { (db: Database) in
            var titles: [Int: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT author_id, title FROM post ORDER BY author_id, id") {
                let authorID: Int = row["author_id"]
                titles[authorID, default: []].append(row["title"])
            }
            return try Row.fetchAll(db, sql: "SELECT id, name FROM author ORDER BY id").map { row in
                let id: Int = row["id"]
                return Page(author: Author(id: id, name: row["name"]), titles: titles[id] ?? [])
            }
        }
        try queue.close()
        return pages
    }

    /// SQLiteNIO reads the same file, and reports its own error type.
    ///
    /// `SQLiteConnection` is the one name qualified in this file: SQLiteNIO's class and GRDB's typealias for a raw
    /// `sqlite3` pointer collide with each other, whatever GBatchy is called.
    static func checkSQLiteNIO(path: String, report: inout Report) async throws {
        let connection = try await SQLiteNIO.SQLiteConnection.open(storage: .file(path: path))
        let database: any SQLiteDatabase = connection
        let binds: [SQLiteData] = [.integer(1)]
        let rows: [SQLiteRow] = try await database.query("SELECT count(*) AS n FROM post WHERE author_id = ?", binds)
        let count = rows.first?.column("n")?.integer
        report.check(count == 5, "SQLiteNIO counts \(String(describing: count)) posts of author 1, not 5")
        await report.expectError(SQLiteError.self, "SQLiteNIO on a missing table") {
            _ = try await database.query("SELECT * FROM missing")
        }
        try await connection.close()
    }

    /// GBatchySQL's loaders build every page in one query per loader, and its errors and connections are the ones
    /// the library names.
    static func checkGBatchySQL(path: String, expected: [Page], report: inout Report) async throws {
        let configuration = SQLiteSource.Configuration(readerCount: 2, queryLogCapacity: 1_000)
        let db = try SQLiteSource(path: path, configuration: configuration)
        let authors: TableLoader<Int, Author> = db.loader(Author.self, table: "author", key: "id")
        let postsByAuthor: GroupLoader<Int, Post> = db.groupLoader(
            Post.self,
            table: "post",
            key: "author_id",
            orderBy: "id"
        )
        let authorsByName: TableLoader<SQLiteTextKey, Author> = db.loader(Author.self, table: "author", key: "name")
        // Every loader shape is a KeyedLoader: code generic over it takes any of them.
        func loadThrough<L: KeyedLoader>(_ loader: L, _ key: L.Key) async throws -> L.Value {
            try await loader.load(key)
        }
        let ids = Array(1...authorCount)

        // The request: every author with the titles of their posts, loaded one author at a time.
        let (pages, statistics) = try await withBatchContext { () async throws -> ([Page], BatchStatistics?) in
            let pages = try await pmap(ids) { (id: Int) -> Page in
                async let author = authors.loadRequired(id)
                async let posts = postsByAuthor.load(id)
                return try await Page(author: author, titles: posts.map(\.title))
            }
            return (pages, BatchContext.current?.statistics)
        }
        report.check(pages == expected, "the pages GBatchySQL loaded differ from the ones GRDB read")
        let authorStatistics: LoaderStatistics? = statistics?[authors.loader.name]
        report.check(
            authorStatistics?.batches == 1 && authorStatistics?.keys == authorCount,
            "\(authorCount) concurrent author loads were not one batch: \(String(describing: authorStatistics))"
        )
        let log: QueryLog = db.queryLog
        let loads: [QueryLog.Entry] = log.entries.filter { $0.role == QueryLog.Role.reader && $0.keyCount != nil }
        report.check(
            loads.count == 2 && loads.allSatisfy { $0.keyCount == authorCount && $0.succeeded },
            "the request sent \(loads.map(\.sql)), not one statement per loader"
        )

        // Every loader shape, named unqualified: counts, existence, pages, composite keys, custom SQL, in one tick of
        // a parallel context.
        let postCounts: CountLoader<Int> = db.countLoader(table: "post", key: "author_id")
        let hasPosts: ExistsLoader<Int> = db.existsLoader(table: "post", key: "author_id")
        let aggregate: AggregateLoader<Int, Int> = postCounts
        let postPages: PageLoader<Int, Post> = db.pageLoader(Post.self, table: "post", key: "author_id", orderBy: "id")
        let byAuthorAndID: CompositeKeyLoader<(Int, Int), Post> = db.loader(
            Post.self,
            table: "post",
            keys: ("author_id", "id")
        )
        let groupsByAuthorAndID: CompositeKeyGroupLoader<(Int, Int), Post> = db.groupLoader(
            Post.self,
            table: "post",
            keys: ("author_id", "id")
        )
        let byPosition: TableLoader<Int, AuthorByPosition> = db.loader(
            AuthorByPosition.self,
            table: "author",
            key: "id"
        )
        let readsText: any SQLiteColumnValue.Type = String.self
        let custom: SQLLoader<Int, Post> = db.sqlLoader(
            Post.self,
            key: "author_id",
            reads: ["post"],
            sql: "SELECT id, author_id, title FROM post WHERE author_id IN (:keys) ORDER BY id"
        )
        let firstPost = expected[0]
        let shapes = try await withBatchContext(BatchExecution.parallel) {
            async let count = aggregate.load(1)
            async let exists = hasPosts.load(1)
            async let page: RowPage<Post> = postPages.load(1, first: 2)
            async let post = byAuthorAndID.load((1, 40))
            async let group = groupsByAuthorAndID.load((1, 40))
            async let rows = custom.load(1)
            async let positional = byPosition.load(1)
            return try await (count, exists, page, post, group, rows, positional)
        }
        let (count, exists, page, post, group, customRows, positional) = shapes
        report.check(
            positional == AuthorByPosition(id: 1, name: "author 1") && readsText is String.Type,
            "author 1 read by position is \(String(describing: positional))"
        )
        let pageTitles: [String] = page.rows.map(\.title)
        let rowTitles: [String] = customRows.map(\.title)
        report.check(count == firstPost.titles.count && exists, "author 1: \(count) posts, exists \(exists)")
        report.check(pageTitles == Array(firstPost.titles.prefix(2)), "author 1's first page is \(pageTitles)")
        report.check(post?.title == "post 40" && group.count == 1, "post (1, 40) is \(String(describing: post))")
        report.check(rowTitles == firstPost.titles, "the custom SQL loader answered \(rowTitles)")
        let cursor: PageCursor? = page.endCursor
        let key: PageKey<Int> = PageKey(key: 1, first: 2, after: cursor)
        let composite: SQLiteCompositeKey = SQLiteCompositeKey(1, 40)
        let errorTypes: [any Error.Type] = [LoaderDefinitionError.self, SQLLoaderError.self, PageLoaderError.self]
        report.check(
            key.first == 2 && composite.description.contains("40") && errorTypes.count == 3,
            "\(key), \(composite)"
        )

        // A text key, compared by its bytes.
        let third = try await withBatchContext { try await loadThrough(authorsByName, SQLiteTextKey("author 3")) }
        report.check(third?.id == 3, "the author named \"author 3\" is \(String(describing: third))")
        report.check(
            distinctKeyCount([SQLiteTextKey("\u{E9}"), SQLiteTextKey("e\u{301}"), SQLiteTextKey("\u{E9}")]) == 2,
            "SQLiteTextKey does not tell canonically equivalent strings apart"
        )

        // The key and value protocols' members on the standard types, which GRDB and SQLiteNIO extend too.
        let literal: SQLiteValue = 3
        let element = try 3.sqliteJSONElement()
        report.check(
            Int(sqliteKeyValue: literal) == 3 && 3.sqliteValue == literal && 3.sqliteIdentity == 3 && element == "3",
            "Int as an SQLiteKey: \(String(describing: element))"
        )

        // Connections, rows and values.
        let changed = try await db.write { (connection: SQLiteSourceConnection) in
            let arguments: [any SQLiteBindable] = [authorCount + 1, "author \(authorCount + 1)"]
            try connection.execute("INSERT INTO author (id, name) VALUES (?, ?)", arguments)
            return connection.changedRowCount
        }
        report.check(changed == 1, "the insert changed \(changed) rows")
        let names = try await db.read { (connection: SQLiteSourceConnection) in
            try connection.query("SELECT name FROM author WHERE id >= ? ORDER BY id", [authorCount], as: String.self)
        }
        report.check(names == ["author \(authorCount)", "author \(authorCount + 1)"], "the last authors are \(names)")
        let rows: [SQLiteSourceRow] = try await db.query(
            "SELECT id, name FROM author WHERE id = ?",
            [2],
            as: SQLiteSourceRow.self
        )
        let name: SQLiteValue? = rows.first?["name"]
        report.check(name == .text("author 2"), "author 2's name is \(String(describing: name))")

        // Errors, each of the library's own type.
        await report.expectError(
            SchemaError.self,
            "a loader on a missing table",
            matches: { $0.code == SchemaError.Code.unknownTable && $0.table == "missing" }
        ) {
            let missing: TableLoader<Int, Author> = db.loader(Author.self, table: "missing", key: "id")
            _ = try await withBatchContext { try await missing.load(1) }
        }
        await report.expectError(
            TableLoaderError.self,
            "loadRequired of a missing key",
            matches: { $0.code == TableLoaderError.Code.notFound && $0.table == "author" }
        ) {
            _ = try await withBatchContext { try await authors.loadRequired(authorCount + 2) }
        }
        await report.expectError(
            ColumnDecodingError.self,
            "a name read as an Int",
            matches: { $0.kind == ColumnDecodingError.Kind.typeMismatch && $0.column == "name" }
        ) {
            _ = try await db.query("SELECT name FROM author WHERE id = 1", as: Int.self)
        }
        await report.expectError(
            SQLiteSourceError.self,
            "a duplicate primary key",
            matches: { $0.resultCode == SQLiteSourceError.ResultCode.constraint }
        ) {
            try await db.execute("INSERT INTO author (id, name) VALUES (?, ?)", [1, "again"])
        }
        await db.close()
    }

    /// The core: loaders, batch functions, futures, tasks, pools and the parallel helpers.
    static func checkGBatchy(report: inout Report) async throws {
        let squares = Loader<Int, Int>(name: "squares") { (keys: [Int]) in keys.map { $0 * $0 } }
        let doubled = BatchFunction<Int, Int>(name: "doubled") { (inputs: [Int]) in inputs.map { $0 * 2 } }
        let broken = Loader<Int, Int>(name: "broken") { (_: [Int]) in [] }
        let ids = Array(1...10)

        try await withBatchContext {
            let future: BatchFuture<Int> = doubled.future(4).map { $0 + 1 }.flatMap { immediate($0) }
            let task: BatchTask<Int> = spawn { try await squares.load(3) }
            let (nine, alsoNine) = try await pget(future, task)
            report.check(nine == 9 && alsoNine == 9, "pget of a future and a task: \(nine), \(alsoNine)")

            let awaitables: [any BatchAwaitable<Int>] = [
                immediate(1), squares.future(2), spawn { try await doubled(3) },
            ]
            let values = try await pget(awaitables)
            report.check(values == [1, 4, 6], "pget of awaitables: \(values)")

            let tasks = ids.map { id in spawn { try await squares.load(id) } }
            var finished: [Int] = []
            for try await done in iwait(tasks) { finished.append(try await done.value) }
            report.check(finished.sorted() == ids.map { $0 * $0 }, "iwait yielded \(finished)")
            let allSquares = try await pget(tasks)
            report.check(allSquares == ids.map { $0 * $0 }, "pget of tasks: \(allSquares)")
            let firstTwo = try await wait(tasks, count: 2)
            let all = try await wait(tasks)
            report.check(firstTwo.count == 2 && all.count == ids.count, "wait: \(firstTwo.count), \(all.count)")

            let squaresOfIds = try await pmap(ids) { try await squares.load($0) }
            let even = try await pfilter(ids) { try await squares.load($0) % 2 == 0 }
            var unordered: [Int] = []
            for try await square in pmapUnordered(ids, { try await squares.load($0) }) { unordered.append(square) }
            var odd: [Int] = []
            for try await id in pfilterUnordered(ids, { try await squares.load($0) % 2 == 1 }) { odd.append(id) }
            report.check(
                squaresOfIds == ids.map { $0 * $0 } && unordered.sorted() == squaresOfIds
                    && even == ids.filter { $0 % 2 == 0 } && odd.sorted() == ids.filter { $0 % 2 == 1 },
                "pmap, pfilter and their unordered forms: \(squaresOfIds), \(even), \(unordered), \(odd)"
            )

            let pool = BatchPool(size: 2)
            let pooled = try await pool.pmap(ids) { try await doubled($0) }
            let pooledTask: BatchTask<Int> = pool.spawn { try await squares.load(5) }
            var streamed: [Int] = []
            for try await value in pool.imap(ids, { try await doubled($0) }) { streamed.append(value) }
            _ = try await pooledTask.value
            await pool.waitAvailable()
            report.check(
                pooled == ids.map { $0 * 2 } && streamed == pooled && !pool.isFull,
                "the pool's pmap and imap: \(pooled), \(streamed)"
            )

            let held = try await BatchContext.holdingDispatch { try await immediate(7).value }
            report.check(held == 7, "holdingDispatch returned \(held)")

            let statistics: BatchStatistics? = BatchContext.current?.statistics
            let squareStatistics: LoaderStatistics? = statistics?[squares.name]
            report.check(
                squareStatistics?.keys == ids.count,
                "squares loaded \(String(describing: squareStatistics?.keys)) distinct keys, not \(ids.count)"
            )

            await report.expectError(
                BatchError.self,
                "a loader that answers no value",
                matches: { $0.code == BatchError.Code.wrongResultCount && $0.loader == "broken" }
            ) {
                _ = try await broken.load(1)
            }
            await report.expectError(CancellationError.self, "an immediate failure") {
                let failed: BatchFuture<Int> = immediate(throwing: CancellationError())
                _ = try await failed.value
            }
        }
    }
}
