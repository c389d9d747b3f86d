import GBatchy

/// A loader whose per-context cache a write can invalidate.
protocol TableCacheInvalidating: AnyObject, Sendable {
    /// Empties the loader's cache in the current context.
    func clearAll()
}

/// The table loaders of one database, by table name (case-insensitive), held weakly.
///
/// `Sendable`: its state is behind a lock.
final class LoaderRegistry: Sendable {
    private struct Entry: Sendable {
        weak var loader: (any TableCacheInvalidating)?
    }

    private let state = Locked<[String: [Entry]]>([:])

    /// Adds `loader` under `table`, dropping entries of that table whose loader is gone.
    func register(_ loader: any TableCacheInvalidating, table: String) {
        state.withLock { state in
            var entries = state[table.lowercased(), default: []].filter { $0.loader != nil }
            entries.append(Entry(loader: loader))
            state[table.lowercased()] = entries
        }
    }

    /// The live loaders of any of `tables`.
    func loaders(of tables: Set<String>) -> [any TableCacheInvalidating] {
        let names = Set(tables.map { $0.lowercased() })
        return state.withLock { state in
            names.flatMap { state[$0, default: []].compactMap(\.loader) }
        }
    }
}

/// Where a database keeps its table-loader machinery: the registry and the dispatch group, made on first use.
///
/// `Sendable`: its state is behind a lock.
final class TableLoaderSupport: Sendable {
    let registry = LoaderRegistry()
    private let group = Locked<SnapshotDispatchGroup?>(nil)

    /// The database's one dispatch group, created on first use.
    func dispatchGroup(of database: SQLiteDatabase) -> SnapshotDispatchGroup {
        group.withLock { group in
            if let group { return group }
            let created = SnapshotDispatchGroup(database: database)
            group = created
            return created
        }
    }
}
