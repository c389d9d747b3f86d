import GBatchyCSQLite

extension SQLiteSourceConnection {
    /// The `main` schema version (`PRAGMA schema_version`), which SQLite changes with every schema change.
    ///
    /// Read with a statement of its own, not cached and not in the query log: a table loader reads it only when it
    /// builds its statement, and when SQLite prepared or re-prepared that statement.
    ///
    /// - Returns: The version.
    /// - Throws: ``SQLiteSourceError``.
    func schemaVersion() throws -> Int64 {
        let sql = "PRAGMA main.schema_version"
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw error(code: prepared, sql: sql) }
        let stepped = sqlite3_step(statement)
        guard stepped == SQLITE_ROW else { throw error(code: stepped, sql: sql) }
        return sqlite3_column_int64(statement, 0)
    }

    /// How `column` of `table` compares values, from its declared type and collation; `nil` when SQLite cannot say
    /// (no such column, or a view's computed column).
    func keyColumnInfo(table: String, column: String) -> KeyColumnInfo? {
        var declaredType: UnsafePointer<CChar>?
        var collation: UnsafePointer<CChar>?
        guard
            sqlite3_table_column_metadata(handle, nil, table, column, &declaredType, &collation, nil, nil, nil)
                == SQLITE_OK
        else { return nil }
        let type = declaredType.map { String(cString: $0).uppercased() } ?? ""
        // SQLite's affinity rules, in their order: INT, then CHAR/CLOB/TEXT, then BLOB or no type.
        let keepsText =
            !type.contains("INT")
            && (type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") || type.contains("BLOB")
                || type.isEmpty)
        let isBinary = collation.map { String(cString: $0).uppercased() == "BINARY" } ?? true
        return .init(isBinary: isBinary, keepsText: keepsText)
    }
}
