import GBatchy

extension SQLiteSource {
    /// Called after every successful commit of ``write(_:)`` or ``execute(_:_:)``, off the writer thread, with the
    /// tables the write touched (from `sqlite3_update_hook`, plus, conservatively, every table an INSERT, UPDATE,
    /// DELETE or DDL statement named). The set may be empty (for example after a PRAGMA).
    ///
    /// Inside a `BatchContext`, it empties that context's cache of every table loader and group loader of a touched
    /// table, so a request that writes and then reads sees its own write. Other contexts keep their caches: each
    /// request sees the data as of its own loads.
    func didCommitWrite(touchedTables: Set<String>) {
        guard BatchContext.current != nil, !touchedTables.isEmpty else { return }
        for loader in tableLoaders.registry.loaders(of: touchedTables) {
            loader.clearAll()
        }
    }
}
