import Foundation
import GBatchy
import GBatchyPostgres
import GBatchyPostgresTesting
import PostgresNIO

/// The row of every PostgreSQL workload, decoded the same way by the hand-written postgres-nio query and GBatchy.
struct PostgresItem: Decodable, Sendable, Equatable {
    let id: Int
    let parentID: Int
    let name: String
    let score: Double

    enum CodingKeys: String, CodingKey {
        case id
        case parentID = "parent_id"
        case name
        case score
    }

    init(id: Int, parentID: Int, name: String, score: Double) {
        self.id = id
        self.parentID = parentID
        self.name = name
        self.score = score
    }
}

/// P0–P3: GBatchy's PostgreSQL loaders against hand-written postgres-nio queries, on a generated table of 1,000,000
/// rows (100,000 with `--quick`) in a throwaway server (or the server of `GBATCHY_POSTGRES_URL`).
struct PostgresBenchmarks {
    let plan: Plan

    static let rowCount = 1_000_000

    /// Whether a PostgreSQL server can be started here (or `GBATCHY_POSTGRES_URL` names one), and why not.
    static var availability: PostgresTestAvailability { PostgresTestEndpoint.availability }

    /// Runs every row on a fresh server (see ``withItems(rowCount:_:)``).
    func run() async throws -> [Row] {
        let rowCount = plan.quick ? 100_000 : Self.rowCount
        return try await Self.withItems(rowCount: rowCount) { client, setup in
            let setupRow = row(
                "P0",
                "server start + \(rowCount) rows generated and indexed",
                nil,
                result: formatTime(setup),
                target: "(reference)",
                pass: nil,
                values: ["setup_s": setup]
            )
            return [setupRow] + (try await measureRows(client: client, rowCount: rowCount))
        }
    }

    /// Starts the server, generates the table of `rowCount` items, runs `body` with a running client on it and the
    /// seconds that setup took, and stops the server (drops the database of an external one), whatever happens.
    static func withItems<R: Sendable>(
        rowCount: Int,
        _ body: (PostgresClient, Double) async throws -> R
    ) async throws -> R {
        let setupStart = now()
        let endpoint = try await PostgresTestEndpoint.fromEnvironment()
        defer { try? endpoint.stop() }
        let database = "gbatchy_bench_\(ProcessInfo.processInfo.processIdentifier)"
        try endpoint.psql("DROP DATABASE IF EXISTS \(database)")
        try endpoint.createDatabase(database)
        defer { _ = try? endpoint.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        // One statement generates every row, server-side.
        try endpoint.psql(
            """
            CREATE TABLE items (id bigint PRIMARY KEY, parent_id bigint NOT NULL, name text NOT NULL,
                                score double precision NOT NULL);
            INSERT INTO items SELECT i, i / 10, 'item ' || i, i * 0.5 FROM generate_series(1, \(rowCount)) AS i;
            CREATE INDEX items_parent_id ON items(parent_id);
            VACUUM ANALYZE items;
            """,
            in: database
        )
        let setup = now() - setupStart
        let client = PostgresClient(configuration: configuration(endpoint.connection, database: database))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client, setup)
        }
    }

    /// The client configuration of `database`: the Unix socket of a started server, TCP without TLS otherwise.
    static func configuration(_ info: PostgresConnectionInfo, database: String) -> PostgresClient.Configuration {
        if let socket = info.unixSocketPath {
            return PostgresClient.Configuration(
                unixSocketPath: socket,
                username: info.username,
                password: info.password,
                database: database
            )
        }
        return PostgresClient.Configuration(
            host: info.host,
            port: info.port,
            username: info.username,
            password: info.password,
            database: database,
            tls: .disable
        )
    }

    /// The hand-written floor: one `= ANY($1)` query, decoded by position into ``PostgresItem``.
    static func items(_ client: PostgresClient, ids: [Int]) async throws -> [PostgresItem] {
        let rows = try await client.query("SELECT id, parent_id, name, score FROM items WHERE id = ANY(\(ids))")
        var items: [PostgresItem] = []
        items.reserveCapacity(ids.count)
        for try await (id, parentID, name, score) in rows.decode((Int, Int, String, Double).self) {
            items.append(PostgresItem(id: id, parentID: parentID, name: name, score: score))
        }
        return items
    }

    /// The statement a by-key loader sends (`unnest($1) WITH ORDINALITY` joined to the table, the key's position
    /// beside each row), by hand and decoded by position: what is left of P1's cost once GBatchy's decoding is not.
    static func itemsByUnnest(_ client: PostgresClient, ids: [Int]) async throws -> [(Int, PostgresItem)] {
        let rows = try await client.query(
            """
            SELECT t.id, t.parent_id, t.name, t.score, k.position FROM unnest(\(ids)) WITH ORDINALITY AS k(value, position)
            JOIN items AS t ON t.id = k.value
            """
        )
        var items: [(Int, PostgresItem)] = []
        items.reserveCapacity(ids.count)
        for try await (id, parentID, name, score, position) in rows.decode((Int, Int, String, Double, Int).self) {
            items.append((position, PostgresItem(id: id, parentID: parentID, name: name, score: score)))
        }
        return items
    }

    /// A naive resolver's query: one row by id.
    static func item(_ client: PostgresClient, id: Int) async throws -> PostgresItem? {
        let rows = try await client.query("SELECT id, parent_id, name, score FROM items WHERE id = \(id)")
        for try await (id, parentID, name, score) in rows.decode((Int, Int, String, Double).self) {
            return PostgresItem(id: id, parentID: parentID, name: name, score: score)
        }
        return nil
    }

    private func measureRows(client: PostgresClient, rowCount: Int) async throws -> [Row] {
        var rows: [Row] = []
        var generator = SplitMix64(seed: 42)
        var keySet: Set<Int> = []
        while keySet.count < 1000 { keySet.insert(Int.random(in: 1...rowCount, using: &generator)) }
        let keys = Array(keySet)
        var parentSet: Set<Int> = []
        while parentSet.count < 200 { parentSet.insert(Int.random(in: 1..<rowCount / 10, using: &generator)) }
        let parents = Array(parentSet)
        let (ids100, otherIDs100) = (Array(keys[0..<100]), Array(keys[100..<200]))
        let (parents100, otherParents100) = (Array(parents[0..<100]), Array(parents[100..<200]))

        let pg = PostgresSource(client: client)
        let items = pg.loader(PostgresItem.self, table: "items", key: "id")
        let sameItems = pg.loader(PostgresItem.self, table: "items", key: "id", name: "items (second loader)")
        let children = pg.groupLoader(PostgresItem.self, table: "items", key: "parent_id", orderBy: "id")
        let childCounts = pg.countLoader(table: "items", key: "parent_id")

        // Check that both answer the same before timing anything.
        let expected = try await Self.items(client, ids: keys).sorted { $0.id < $1.id }
        let ours = try await withBatchContext { try await items.loadAll(keys) }.compactMap { $0 }.sorted {
            $0.id < $1.id
        }
        let byHand = try await Self.itemsByUnnest(client, ids: keys).map(\.1).sorted { $0.id < $1.id }
        guard expected.count == 1000, ours == expected, byHand == expected else {
            throw BenchError(
                "the PostgreSQL workloads disagree: \(expected.count) / \(ours.count) / \(byHand.count) rows"
            )
        }
        // The first tick of a loader also reads its table's columns; the second is what P2 measures.
        var fourLoaders = 0
        for _ in 0..<2 {
            pg.queryLog.clear()
            fourLoaders = try await withBatchContext {
                try await Self.fourLoaders(
                    items,
                    ids100,
                    sameItems,
                    otherIDs100,
                    children,
                    parents100,
                    childCounts,
                    otherParents100
                )
            }
        }
        let statements = pg.queryLog.entries.map(\.sql)
        guard fourLoaders == 100 + 100 + 100 * 10 + 100 * 10, statements.count == 6,
            statements.first?.hasPrefix("BEGIN") == true, statements.last == "COMMIT"
        else {
            throw BenchError(
                "the four loaders of P2 loaded \(fourLoaders) rows and counts (not 2,200) in \(statements.count) "
                    + "statements (not BEGIN, 4 statements, COMMIT): \(statements)"
            )
        }
        // Timed without the log, as the SQL rows are.
        pg.queryLog.isEnabled = false

        // P1: one statement of 1000 keys.
        let p1 = try await measureSideBySide(
            plan,
            [
                { _ = try await Self.items(client, ids: keys) },
                { _ = await withBatchContext { await items.loadMany(keys) } },
                { _ = try await Self.itemsByUnnest(client, ids: keys) },
            ]
        )
        let p1Ratio = p1[1].median / p1[0].median
        rows.append(
            row(
                "P1r",
                "postgres-nio: = ANY($1) (1000 keys) into structs",
                p1[0],
                result: "",
                target: "(reference)",
                pass: nil
            )
        )
        rows.append(
            row(
                "P1",
                "loader.loadMany(1000 keys), Decodable",
                p1[1],
                result: String(format: "%.2f× P1r", p1Ratio),
                target: "≤ 1.2× P1r",
                pass: p1Ratio <= 1.2,
                values: ["ratio": p1Ratio]
            )
        )

        let p1sRatio = p1[2].median / p1[0].median
        rows.append(
            row(
                "P1s",
                "postgres-nio: the loader's unnest … JOIN statement, by hand",
                p1[2],
                result: String(format: "%.2f× P1r; P1 %.2f× this", p1sRatio, p1[1].median / p1[2].median),
                target: "(reference)",
                pass: nil,
                values: ["ratio": p1sRatio]
            )
        )

        // P2: four loaders in one tick (BEGIN, four statements, COMMIT on one connection) against one of them alone,
        // and against the four in four ticks of their own (no transaction) for reference. postgres-nio 1.33 does not
        // pipeline: a connection sends a query only after the previous one's ReadyForQuery, so the tick costs six
        // round trips, one after another, and the other three statements' own work (1000 child rows, 100 counts).
        let p2 = try await measureSideBySide(
            plan,
            [
                { _ = try await withBatchContext { try await items.loadAll(ids100) } },
                {
                    _ = try await withBatchContext {
                        try await Self.fourLoaders(
                            items,
                            ids100,
                            sameItems,
                            otherIDs100,
                            children,
                            parents100,
                            childCounts,
                            otherParents100
                        )
                    }
                },
                {
                    _ = try await withBatchContext {
                        _ = try await items.loadAll(ids100)
                        _ = try await sameItems.loadAll(otherIDs100)
                        _ = try await children.loadAll(parents100)
                        _ = try await childCounts.loadAll(otherParents100)
                    }
                },
            ]
        )
        let p2Ratio = p2[1].median / p2[0].median
        rows.append(
            row("P2r", "loader.loadMany(100 keys) alone", p2[0], result: "", target: "(reference)", pass: nil)
        )
        rows.append(
            row(
                "P2",
                "one tick of 4 loaders × 100 keys (one transaction)",
                p2[1],
                result: String(format: "%.2f× P2r", p2Ratio),
                target: "≤ 1.5× P2r",
                pass: p2Ratio <= 1.5,
                values: ["ratio": p2Ratio]
            )
        )
        rows.append(
            row(
                "P2s",
                "the same 4 loaders in 4 ticks, one after another",
                p2[2],
                result: String(format: "%.2f× P2r", p2[2].median / p2[0].median),
                target: "(reference)",
                pass: nil,
                values: ["ratio": p2[2].median / p2[0].median]
            )
        )

        // P3: 1000 concurrent loads against the N+1 pattern, one query per key, one after another.
        let nPlusOne = plan.quick ? Plan(warmups: 0, runs: 1, quick: true) : Plan(warmups: 1, runs: 5, quick: false)
        let p3 = try await measureSideBySide(
            plan,
            [
                {
                    try await withBatchContext {
                        try await concurrentLoads(1000) {
                            _ = try await items.load(keys[$0]); return 0
                        }
                    }
                }
            ]
        )
        let n1 = try await measureSideBySide(
            nPlusOne,
            [{ for key in keys { _ = try await Self.item(client, id: key) } }]
        )
        let p3Speedup = n1[0].median / p3[0].median
        rows.append(
            row(
                "P3",
                "1000 concurrent loads in one context",
                p3[0],
                result: String(format: "%.1f× faster than P3n", p3Speedup),
                target: "≥ 20× faster than P3n",
                pass: p3Speedup >= 20,
                values: ["speedup": p3Speedup]
            )
        )
        rows.append(
            row(
                "P3n",
                "N+1: 1000 sequential client.query, one key each",
                n1[0],
                result: "",
                target: "(reference)",
                pass: nil
            )
        )
        return rows
    }

    /// Loads through four loaders at once, so that they share one tick; returns the rows and counts loaded.
    private static func fourLoaders(
        _ items: PostgresTableLoader<Int, PostgresItem>,
        _ ids: [Int],
        _ sameItems: PostgresTableLoader<Int, PostgresItem>,
        _ otherIDs: [Int],
        _ children: PostgresGroupLoader<Int, PostgresItem>,
        _ parents: [Int],
        _ counts: PostgresCountLoader<Int>,
        _ otherParents: [Int]
    ) async throws -> Int {
        async let first = items.loadAll(ids)
        async let second = sameItems.loadAll(otherIDs)
        async let groups = children.loadAll(parents)
        async let counted = counts.loadAll(otherParents)
        let (a, b, c, d) = try await (first, second, groups, counted)
        return a.compactMap { $0 }.count + b.compactMap { $0 }.count + c.map(\.count).reduce(0, +) + d.reduce(0, +)
    }
}
