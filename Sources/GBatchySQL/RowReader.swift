/// The per-row and per-key work of a table loader's batch, made where the loader is declared.
///
/// `SQLiteDatabase.loader(…)` and `groupLoader(…)` are inlinable and build a `RowReader` in the caller's module, where
/// `Key` and `Row` are concrete types. Its closures are therefore compiled for those types: stepping through rows,
/// reading each key, decoding each row and keying the results run without generic dispatch, which is most of a
/// batch's cost once SQLite has found the rows.
@usableFromInline
struct RowReader<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable {
    /// Steps `statement` to the end: each row's key (read from column `keyIndex`) and decoded row.
    @usableFromInline let readRows: @Sendable (_ statement: SQLiteStatement, _ keyIndex: Int32, _ capacity: Int)
        throws -> [(key: Key, row: Row)]
    /// The answers of a single-row loader, one per key of the batch: `failures` holds the keys that failed before
    /// the query; `table` and `column` name the loader in errors.
    @usableFromInline let answerRows: @Sendable (
        _ keys: [Key], _ rows: [(key: Key, row: Row)], _ failures: [Key: any Error], _ table: String, _ column: String
    ) -> [Result<Row?, any Error>]
    /// The answers of a group loader, one per key of the batch.
    @usableFromInline let answerGroups: @Sendable (
        _ keys: [Key], _ rows: [(key: Key, row: Row)], _ failures: [Key: any Error]
    ) -> [Result<[Row], any Error>]

    @inlinable
    init() {
        readRows = { statement, keyIndex, capacity in
            var rows: [(key: Key, row: Row)] = []
            rows.reserveCapacity(capacity)
            while try statement.step() {
                let value = statement.value(at: keyIndex)
                guard let key = Key(sqliteKeyValue: value) else { throw statement.unreadableKey(value, as: Key.self) }
                rows.append((key, try statement.decodeRowValue(Row.self)))
            }
            return rows
        }
        answerRows = { keys, rows, failures, table, column in
            var byKey: [Key: Row] = Dictionary(minimumCapacity: rows.count)
            var duplicates: [Key: Int] = [:]
            for (key, row) in rows where byKey.updateValue(row, forKey: key) != nil {
                duplicates[key, default: 1] += 1
            }
            return keys.map { key in
                if !failures.isEmpty, let failure = failures[key] { return .failure(failure) }
                if !duplicates.isEmpty, let count = duplicates[key] {
                    return .failure(
                        TableLoaderError.duplicateKey(table: table, column: column, key: key, rowCount: count))
                }
                return .success(byKey[key])
            }
        }
        answerGroups = { keys, rows, failures in
            // Rows come ordered by key when the loader has an `orderBy`, so each key's rows are one run.
            var byKey: [Key: [Row]] = Dictionary(minimumCapacity: keys.count)
            // A key's run is stored as it is, not copied; only a key met in two runs (no `orderBy`) appends.
            func store(_ key: Key, _ rows: [Row]) {
                if let index = byKey.index(forKey: key) {
                    byKey.values[index].append(contentsOf: rows)
                } else {
                    byKey[key] = rows
                }
            }
            var runKey: Key?
            var runRows: [Row] = []
            for (key, row) in rows {
                if key != runKey {
                    if let runKey { store(runKey, runRows) }
                    runKey = key
                    runRows = []
                }
                runRows.append(row)
            }
            if let runKey { store(runKey, runRows) }
            return keys.map { key in
                if !failures.isEmpty, let failure = failures[key] { return .failure(failure) }
                return .success(byKey[key] ?? [])
            }
        }
    }
}
