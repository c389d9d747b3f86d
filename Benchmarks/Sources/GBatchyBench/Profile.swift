import GBatchy
import GBatchyPostgres
import GBatchySQL

/// Runs one workload in a loop, to profile it with perf or callgrind: `c1`, `floor`, `suspension`, `c2`, one of
/// the SQL workloads `s0`, `s1`, `s1p` and `s4p` (rows read by position), `s2`, `s4`, `s4raw` (the raw C floor of
/// `s4`), `s5a`, `s5b`, `sseq` (1000 rows in key order through `db.query`), `shop` (an empty read, one trip to a
/// reader thread), `sc` (1000 composite keys) and `scr` (its raw C floor), or the GraphQL request of the G rows:
/// `graphql` (GBatchy's loaders, in the execution `GBATCHY_EXECUTION` names, serial by default) and `graphql-floor`
/// (from memory), or the PostgreSQL workloads on a fresh server: `p1` (`loadMany` of 1000 keys) and `p1r` (its
/// hand-written postgres-nio floor).
enum Profile {
    static let sqlWorkloads: Set = [
        "s0", "s1", "s1p", "s2", "s4", "s4p", "s4raw", "s5a", "s5b", "sseq", "shop", "sc", "scr",
    ]
    /// Every workload's name, in the order `--help` lists them.
    static let workloads = [
        "c1", "floor", "suspension", "c2", "tree", "s0", "s1", "s1p", "s2", "s4", "s4p", "s4raw", "s5a", "s5b", "sseq",
        "shop", "sc", "scr", "graphql", "graphql-floor", "p1", "p1r",
    ]

    static func run(_ workload: String, iterations: Int) async throws {
        if sqlWorkloads.contains(workload) { return try await runSQL(workload, iterations: iterations) }
        if workload.hasPrefix("graphql") { return try await runGraphQL(workload, iterations: iterations) }
        if workload.hasPrefix("p1") { return try await runPostgres(workload, iterations: iterations) }
        let identity = Loader<Int, Int>(name: "identity", caching: false) { $0 }
        let root = CoreBenchmarks.treeRoot()
        for _ in 0..<iterations {
            switch workload {
            case "c1": try await withBatchContext { try await concurrentLoads(1000) { try await identity.load($0) } }
            case "floor": await withBatchContext { await emptyChildTasks(1000) }
            case "suspension": try await SuspensionFloor.run(1000)
            case "c2": _ = await withBatchContext { await identity.loadMany(0..<1000) }
            case "tree": try await withBatchContext { try await concurrentLoads(10) { try await root.load($0) } }
            default: fatalError("unknown workload \(workload)")
            }
        }
    }
}

extension Profile {
    static func runSQL(_ workload: String, iterations: Int) async throws {
        let path = try SQLBenchmarks.prepareDatabase(quick: false)
        let readers = workload == "s5a" ? 1 : 2
        let db = try SQLiteSource(path: path, configuration: .init(readerCount: readers, isQueryLogEnabled: false))
        let items = db.loader(Item.self, table: "items", key: "id", keyType: Int64.self)
        let children = db.groupLoader(Item.self, table: "items", key: "parent_id", keyType: Int64.self, orderBy: "id")
        let positional = db.loader(PositionalItem.self, table: "items", key: "id", keyType: Int64.self)
        let positionalChildren = db.groupLoader(
            PositionalItem.self,
            table: "items",
            key: "parent_id",
            keyType: Int64.self,
            orderBy: "id"
        )
        let raw = try RawSQLite(path: path)
        let keys = (1...1000).map { Int64($0 * 997) }
        let entries: CompositeKeyLoader<(Int64, Int64), Item> = db.loader(
            Item.self,
            table: "items",
            keys: ("parent_id", "id")
        )
        let pairs = keys.map { ($0 / 10, $0) }
        let json = "[" + pairs.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]"
        let rawComposite = try RawCompositeQuery(path: path)
        for _ in 0..<iterations {
            switch workload {
            case "s0": _ = try raw.items(where: "id", in: keys)
            case "s1": _ = try await withBatchContext { try await items.loadAll(keys) }
            case "s1p": _ = try await withBatchContext { try await positional.loadAll(keys) }
            case "s4p": _ = try await withBatchContext { try await positionalChildren.loadAll(keys.map { $0 / 10 }) }
            case "s4raw": _ = try raw.items(where: "parent_id", in: keys.map { $0 / 10 }, orderBy: "parent_id, id")
            case "shop": _ = try await db.read { _ in 0 }
            case "sseq":
                _ = try await db.query(
                    "SELECT id, parent_id, name, score FROM items WHERE id BETWEEN 1 AND 1000",
                    as: Item.self
                )
            case "s5a", "s5b":
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for request in 0..<400 {
                        group.addTask {
                            let start = (request * 97) % (keys.count - 100)
                            _ = try await withBatchContext { try await items.loadAll(keys[start..<start + 100]) }
                        }
                    }
                    try await group.waitForAll()
                }
            case "s2":
                try await withBatchContext {
                    try await concurrentLoads(1000) {
                        _ = try await items.load(keys[$0]); return 0
                    }
                }
            case "s4": _ = try await withBatchContext { try await children.loadAll(keys.map { $0 / 10 }) }
            case "sc": _ = try await withBatchContext { try await entries.loadAll(pairs) }
            case "scr": _ = try rawComposite.items(json: json, count: pairs.count)
            default: fatalError("unknown workload \(workload)")
            }
        }
        await db.close()
    }
}

extension Profile {
    static func runGraphQL(_ workload: String, iterations: Int) async throws {
        try await ChinookDatabase.withDatabase { db in
            db.queryLog.isEnabled = false
            let api = try ChinookAPI()
            let store: any ChinookStore =
                workload == "graphql-floor" ? try await MemoryChinookStore.load(from: db) : LoaderChinookStore(db: db)
            for _ in 0..<iterations {
                if workload == "graphql-floor" {
                    try await api.request(ChinookAPI.benchmarkQuery, store: store)
                } else {
                    _ = try await withBatchContext { try await api.request(ChinookAPI.benchmarkQuery, store: store) }
                }
            }
        }
    }
}

extension Profile {
    static func runPostgres(_ workload: String, iterations: Int) async throws {
        try await PostgresBenchmarks.withItems(rowCount: PostgresBenchmarks.rowCount) { client, _ in
            let pg = PostgresSource(client: client, queryLog: QueryLog(isEnabled: false))
            let items = pg.loader(PostgresItem.self, table: "items", key: "id")
            let keys = (1...1000).map { $0 * 997 }
            for _ in 0..<iterations {
                switch workload {
                case "p1": _ = await withBatchContext { await items.loadMany(keys) }
                default: _ = try await PostgresBenchmarks.items(client, ids: keys)
                }
            }
        }
    }
}
