import GBatchy

/// Where a database keeps its table-loader machinery: the registry and the dispatch group, made on first use.
///
/// `Sendable`: its state is behind a lock.
final class TableLoaderSupport: Sendable {
    let registry = LoaderRegistry()
    private let group = Locked<SnapshotDispatchGroup?>(nil)

    /// The database's one dispatch group, created on first use.
    func dispatchGroup(of database: SQLiteSource) -> SnapshotDispatchGroup {
        group.withLock { group in
            if let group { return group }
            let created = SnapshotDispatchGroup(database: database)
            group = created
            return created
        }
    }
}
