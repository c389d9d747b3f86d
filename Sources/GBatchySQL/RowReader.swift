/// The per-row and per-key work of a table loader's batch, made where the loader is declared.
///
/// `SQLiteDatabase.loader(…)` and `groupLoader(…)` are inlinable and build a `RowReader` in the caller's module, where
/// `Key` and `Row` are concrete types. Its closures are therefore compiled for those types: stepping through rows,
/// decoding each row and handing it to its key run without generic dispatch, which is most of a batch's cost once
/// SQLite has found the rows.
@usableFromInline
struct RowReader<Key: SQLiteKey, Row: Decodable & Sendable>: Sendable {
    /// Steps `statement` to the end: each row decoded, with the index in the batch of the key it matched.
    ///
    /// With `keyIndexes` `nil`, column `column` holds the position of that key in the bound JSON array, and
    /// `sent[position]` is the key's index in the batch. Otherwise column `column` is the key column, read back as a
    /// key and looked up in `keyIndexes` (the ordered form of a group loader, used only where that is exact).
    @usableFromInline let readRows: @Sendable (
        _ statement: SQLiteStatement, _ column: Int32, _ sent: [Int], _ keyIndexes: [Key: Int]?
    ) throws -> [(index: Int, row: Row)]
    /// The answers of a single-row loader, one per key of the batch: `failures` holds, by batch index, the keys that
    /// failed before the query; `table` and `column` name the loader in errors.
    @usableFromInline let answerRows: @Sendable (
        _ keys: [Key], _ rows: [(index: Int, row: Row)], _ failures: [Int: any Error],
        _ table: String, _ column: String
    ) -> [Result<Row?, any Error>]
    /// The answers of a group loader, one per key of the batch, each key's rows in the order of the query.
    @usableFromInline let answerGroups: @Sendable (
        _ keys: [Key], _ rows: [(index: Int, row: Row)], _ failures: [Int: any Error]
    ) -> [Result<[Row], any Error>]

    @inlinable
    init() {
        readRows = { statement, column, sent, keyIndexes in
            var rows: [(index: Int, row: Row)] = []
            rows.reserveCapacity(sent.count)
            while try statement.step() {
                let value = statement.value(at: column)
                let index: Int
                if let keyIndexes {
                    guard let key = Key(sqliteKeyValue: value), let found = keyIndexes[key] else {
                        throw statement.unreadableKey(value)
                    }
                    index = found
                } else {
                    guard case .integer(let position) = value, position >= 0, position < sent.count else {
                        throw statement.unreadableKey(value)
                    }
                    index = sent[Int(position)]
                }
                rows.append((index, try Row(from: RowDecoder(statement: statement))))
            }
            return rows
        }
        answerRows = { keys, rows, failures, table, column in
            var found = [Row?](repeating: nil, count: keys.count)
            var counts = [Int](repeating: 0, count: keys.count)
            var hasDuplicates = false
            for (index, row) in rows {
                found[index] = row
                counts[index] += 1
                if counts[index] > 1 { hasDuplicates = true }
            }
            return keys.indices.map { index in
                if !failures.isEmpty, let failure = failures[index] { return .failure(failure) }
                if hasDuplicates, counts[index] > 1 {
                    return .failure(
                        TableLoaderError.duplicateKey(
                            table: table, column: column, key: keys[index], rowCount: counts[index]))
                }
                return .success(found[index])
            }
        }
        answerGroups = { keys, rows, failures in
            // Each row goes straight to its key's index: no hashing, and no order needed between keys.
            var groups = [[Row]](repeating: [], count: keys.count)
            for (index, row) in rows { groups[index].append(row) }
            return keys.indices.map { index in
                if !failures.isEmpty, let failure = failures[index] { return .failure(failure) }
                return .success(groups[index])
            }
        }
    }
}
