extension SQLiteDatabase {
    /// Called after every successful commit of ``write(_:)`` or ``execute(_:_:)``, off the writer thread, with the
    /// tables the write touched (from `sqlite3_update_hook`, plus, conservatively, every table an INSERT, UPDATE,
    /// DELETE or DDL statement named). The set may be empty (for example after a PRAGMA).
    ///
    /// A no-op here: the batching layer replaces this body to invalidate its caches.
    func didCommitWrite(touchedTables: Set<String>) {}
}
