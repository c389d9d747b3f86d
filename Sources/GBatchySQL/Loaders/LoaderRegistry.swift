import GBatchy

/// The table loaders of one database, by table name (case-insensitive), held weakly.
///
/// Registering is constant time (amortized): a table's entries are swept of released loaders only when they have
/// doubled since the last sweep, so each sweep is paid for by the registrations before it.
///
/// `Sendable`: its state is behind a lock.
final class LoaderRegistry: Sendable {
    private struct Entry: Sendable {
        weak var loader: (any TableCacheInvalidating)?
    }

    /// One table's loaders.
    private struct Table: Sendable {
        var entries: [Entry] = []
        /// The entry count at which the next registration sweeps released loaders away.
        var sweepAt = 16

        /// Appends `entry`, first sweeping released loaders away if the entries have doubled since the last sweep.
        ///
        /// - Returns: The entries the sweep looked at, or 0.
        mutating func add(_ entry: Entry) -> Int {
            var swept = 0
            if entries.count >= sweepAt {
                swept = entries.count
                entries.removeAll { $0.loader == nil }
                sweepAt = max(16, entries.count * 2)
            }
            entries.append(entry)
            return swept
        }
    }

    private struct State: Sendable {
        var tables: [String: Table] = [:]
        /// Entries looked at by sweeps, over the registry's life: the work that registering costs.
        var sweptEntries = 0
    }

    private let state = Locked(State())

    /// Adds `loader` under `table`, sweeping that table's released loaders away once their entries have doubled.
    func register(_ loader: any TableCacheInvalidating, table: String) {
        state.withLock { state in
            // In place: a copy of the table's entries would cost their count on every registration.
            state.sweptEntries += state.tables[table.lowercased(), default: Table()].add(Entry(loader: loader))
        }
    }

    /// The live loaders of any of `tables`.
    func loaders(of tables: Set<String>) -> [any TableCacheInvalidating] {
        let names = Set(tables.map { $0.lowercased() })
        return state.withLock { state in
            names.flatMap { state.tables[$0]?.entries.compactMap(\.loader) ?? [] }
        }
    }

    /// The entries sweeps have looked at so far: registering `n` loaders sweeps fewer than `2n`.
    var sweptEntries: Int { state.withLock { $0.sweptEntries } }

    /// The entries held for `table`, released loaders included.
    func entryCount(of table: String) -> Int { state.withLock { $0.tables[table.lowercased()]?.entries.count ?? 0 } }
}
