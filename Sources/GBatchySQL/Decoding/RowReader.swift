import GBatchy
import GBatchySQLCore

/// The per-row and per-key work of a table loader's batch, made where the loader is declared.
///
/// `SQLiteSource.loader(…)` and `groupLoader(…)` are inlinable and build a `RowReader` in the caller's module, where
/// `Key` and `Row` are concrete types. Its closures are therefore compiled for those types: stepping through rows,
/// decoding each row and handing it to its key run without generic dispatch, which is most of a batch's cost once
/// SQLite has found the rows.
@usableFromInline
struct RowReader<Key: SQLiteKey, Row: Sendable>: Sendable {
    /// The columns `Row` reads, or `nil` to select every column of the table.
    @usableFromInline let columns: [DecodedColumn]?
    /// Reads the current row of `statement`, whose first columns are ``columns`` in order.
    @usableFromInline let decode: @Sendable (SQLiteStatement) throws -> Row

    /// Writes the keys of a batch as one JSON array, or, with `bindsValues`, when JSON cannot carry one of them
    /// exactly (text containing NUL, a blob), as one value per key (``EncodedKeys/values``); without `bindsValues`
    /// such a key fails alone (``EncodedKeys/failures``). `nil` keys are left out. With `classify`, also tells
    /// whether every key sent is an integer, or every one text.
    @usableFromInline let encodeKeys: @Sendable (_ keys: [Key], _ classify: Bool, _ bindsValues: Bool) -> EncodedKeys

    /// Steps `statement` to the end: each row decoded, with the index in the batch of the key it matched; a row
    /// that fails to decode fails its key alone (``RowsRead/failures``).
    ///
    /// With `keyIndexes` `nil`, column `column` holds the position of that key in the bound JSON array, and
    /// `sent[position]` is the key's index in the batch. Otherwise column `column` is the key column, read back as a
    /// key and looked up in `keyIndexes` (the ordered form of a group loader, used only where that is exact): a value
    /// that is no key of the batch stops the reading with ``RowsRead/isUnmatched`` set, so that the caller asks the
    /// join, which tells every row's key. With `identity`, column `identity` holds each row's primary key, kept in
    /// ``RowsRead/identities`` for identity priming.
    @usableFromInline let readRows:
        @Sendable (
            _ statement: SQLiteStatement, _ column: Int32, _ identity: Int32?, _ sent: [Int], _ keyIndexes: [Key: Int]?
        ) throws -> RowsRead<Row>
    /// The answers of a single-row loader, one per key of the batch: `failures` holds, by batch index, the keys that
    /// failed before the query; `table` and `column` name the loader in errors.
    @usableFromInline let answerRows:
        @Sendable (
            _ keys: [Key], _ rows: [(index: Int, row: Row)], _ failures: [Int: any Error],
            _ table: String, _ column: String
        ) -> [Result<Row?, any Error>]
    /// Caches `rows` in the current context of `loader`, a by-primary-key loader of their table, each under its
    /// primary key (`identities`, in the same order), unless the key is cached already: identity priming, with the
    /// cache filled by code specialized for `Key` and `Row`.
    @usableFromInline let primeRows:
        @Sendable (_ loader: Loader<Key, Row?>, _ identities: [SQLiteValue], _ rows: [(index: Int, row: Row)]) -> Void
    /// The answers of a group loader, one per key of the batch, each key's rows in the order of the query.
    @usableFromInline let answerGroups:
        @Sendable (
            _ keys: [Key], _ rows: [(index: Int, row: Row)], _ failures: [Int: any Error]
        ) -> [Result<[Row], any Error>]

    @inlinable
    init(columns: [DecodedColumn]?, decode: @escaping @Sendable (SQLiteStatement) throws -> Row) {
        self.columns = columns
        self.decode = decode
        encodeKeys = { keys, classify, bindsValues in
            var encoded = EncodedKeys()
            encoded.sent.reserveCapacity(keys.count)
            encoded.json.reserveCapacity(keys.count * 8 + 2)
            encoded.json += "["
            for index in keys.indices {
                if encoded.values != nil {
                    encoded.bind(keys[index], of: index)
                    continue
                }
                do {
                    guard let element = try keys[index].sqliteJSONElement() else { continue }
                    if !encoded.sent.isEmpty { encoded.json += "," }
                    encoded.json += element
                    encoded.sent.append(index)
                    if classify { encoded.classify(element) }
                } catch {
                    guard bindsValues else {
                        encoded.failures[index] = error
                        continue
                    }
                    // JSON cannot carry this key exactly (text with NUL, a blob): the whole batch binds its keys'
                    // values instead, one parameter each.
                    let sent = encoded.sent
                    encoded = EncodedKeys()
                    encoded.values = []
                    encoded.values?.reserveCapacity(keys.count)
                    for earlier in sent { encoded.bind(keys[earlier], of: earlier) }
                    encoded.bind(keys[index], of: index)
                }
            }
            if encoded.values == nil { encoded.json += "]" }
            return encoded
        }
        readRows = { statement, column, identity, sent, keyIndexes in
            var read = RowsRead<Row>()
            read.rows.reserveCapacity(sent.count)
            while try statement.step() {
                let value = statement.value(at: column)
                let index: Int
                if let keyIndexes {
                    guard let key = Key(sqliteKeyValue: value), let found = keyIndexes[key] else {
                        read.isUnmatched = true
                        return read
                    }
                    index = found
                } else {
                    // The join's key position: `json_each` numbers the elements of the array bound.
                    guard case .integer(let position) = value, position >= 0, position < sent.count else {
                        throw statement.unreadableKey(value)
                    }
                    index = sent[Int(position)]
                }
                do {
                    read.rows.append((index, try decode(statement)))
                    if let identity { read.identities.append(statement.value(at: identity)) }
                } catch {
                    // This key's answer is the error (its first one); the batch's other keys keep their rows.
                    if read.failures[index] == nil { read.failures[index] = error }
                }
            }
            return read
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
                            table: table,
                            column: column,
                            key: keys[index],
                            rowCount: counts[index]
                        )
                    )
                }
                return .success(found[index])
            }
        }
        primeRows = { loader, identities, rows in
            var pairs: [(key: Key, value: Row?)] = []
            pairs.reserveCapacity(rows.count)
            for position in rows.indices where position < identities.count {
                if let key = Key(sqliteKeyValue: identities[position]) { pairs.append((key, rows[position].row)) }
            }
            loader.prime(contentsOf: pairs)
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

extension RowReader where Row: Decodable {
    /// The reader of `Decodable` rows, decoded by column name; only the columns `Row` decodes are selected.
    @inlinable
    init() {
        self.init(columns: Self.decodedColumns()) { try $0.decodeRowValue(Row.self) }
    }

    /// The columns `Row.init(from:)` asks for (see `decodedColumns(_:)`), or `nil` for a type read from one column.
    @usableFromInline
    static func decodedColumns() -> [DecodedColumn]? {
        if Row.self is any SQLiteColumnReadable.Type { return nil }
        return GBatchySQLCore.decodedColumns(Row.self)
    }
}

extension RowReader where Row: SQLiteRowDecodable {
    /// The reader of ``SQLiteRowDecodable`` rows: `Row.columns` selected in order, each row read by position.
    @inlinable
    init() {
        let columns = Self.positionalColumns()
        let count = columns?.count ?? 0
        self.init(columns: columns) { try Row(row: SQLiteColumns(statement: $0, count: count)) }
    }

    /// `Row.columns`, each required.
    @usableFromInline
    static func positionalColumns() -> [DecodedColumn]? {
        Row.columns.map { DecodedColumn(name: $0, isOptional: false) }
    }
}
