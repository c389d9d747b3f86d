import GBatchy

/// A loader whose per-context cache a write can clear.
protocol PostgresCacheClearing: AnyObject, Sendable {
    /// Empties the loader's cache in the current context.
    func clearAll()
}

/// The loaders of one source by the tables they read (names compared as PostgreSQL folds unquoted names, in lower
/// case), held weakly; released loaders are swept when a table's entries have doubled.
///
/// `Sendable`: its state is behind a lock.
final class PostgresLoaderRegistry: Sendable {
    private struct Entry: Sendable {
        weak var loader: (any PostgresCacheClearing)?
    }

    private let tables = Locked([String: (entries: [Entry], sweepAt: Int)]())

    /// Adds `loader` under each of `tables`.
    func register(_ loader: any PostgresCacheClearing, tables names: [String]) {
        tables.withLock { tables in
            for name in Set(names.map { $0.lowercased() }) {
                var table = tables[name] ?? ([], 16)
                if table.entries.count >= table.sweepAt {
                    table.entries.removeAll { $0.loader == nil }
                    table.sweepAt = max(16, table.entries.count * 2)
                }
                table.entries.append(Entry(loader: loader))
                tables[name] = table
            }
        }
    }

    /// The live loaders that read any of `names`, each once.
    func loaders(of names: Set<String>) -> [any PostgresCacheClearing] {
        let lowered = Set(names.map { $0.lowercased() })
        let found = tables.withLock { tables in lowered.flatMap { tables[$0]?.entries.compactMap(\.loader) ?? [] } }
        var seen = Set<ObjectIdentifier>()
        return found.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }
}
