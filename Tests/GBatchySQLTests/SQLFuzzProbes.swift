import Foundation
import GBatchy
import GBatchySQL

/// One loader of the fuzzer, with its differential check: `load` loads keys in the current context and returns the
/// check to run once the context is done, which compares each key's answer with the direct query.
struct Probe: Sendable {
    let load: @Sendable ([SQLiteValue]) async -> (@Sendable () async -> [String])

    enum Kind: String, CaseIterable {
        case intRow, int64Row, stringKeyOnIntegerColumn, strictRow, missingColumn, optionalMissingColumn, text,
            optionalText, nocase, numeric, hostile, groupByValue, groupByInteger, groupNocase, filteredTopN, count,
            exists
    }

    struct IntRow: Decodable, Sendable, Equatable {
        var id: Int
        var name: String?
        var score: Double?
        var data: Data?
    }

    struct StrictRow: Decodable, Sendable, Equatable {
        var id: Int
        var name: String
    }

    struct MissingRow: Decodable, Sendable, Equatable {
        var id: Int
        var nope: String
    }

    struct OptionalMissingRow: Decodable, Sendable, Equatable {
        var id: Int
        var nope: String?
    }

    struct TextRow: Decodable, Sendable, Equatable {
        var k: String
        var v: Int?
    }

    struct ValueRow: Decodable, Sendable, Equatable {
        var v: Int?
    }

    struct HostileRow: Decodable, Sendable, Equatable {
        var keyColumn: String?
        var select: Int?

        enum CodingKeys: String, CodingKey {
            case keyColumn = "key col; --"
            case select
        }
    }

    struct GroupRow: Decodable, Sendable, Equatable {
        var seq: Int
        var v: String?
    }

    /// A count or exists answer as one row, so that it compares with the direct query like rows do.
    struct NumberRow: Decodable, Sendable, Equatable {
        var n: Int
    }

    /// A row that decodes no column: the loader selects only the key.
    struct LooseRow: Decodable, Sendable {}

    static func make(_ kind: Kind, _ db: SQLiteSource) -> Probe {
        let hostile = Fuzzer.tables[4]
        switch kind {
        case .intRow: return table(db, db.loader(IntRow.self, table: "t_int", key: "id"), Self.integer)
        case .int64Row:
            return table(db, db.loader(IntRow.self, table: "t_int", key: "id", keyType: Int64.self), Self.integer)
        case .stringKeyOnIntegerColumn:
            return table(db, db.loader(IntRow.self, table: "t_int", key: "id", keyType: String.self), Self.text)
        case .strictRow: return table(db, db.loader(StrictRow.self, table: "t_int", key: "id"), Self.integer)
        case .missingColumn: return table(db, db.loader(MissingRow.self, table: "t_int", key: "id"), Self.integer)
        case .optionalMissingColumn:
            return table(db, db.loader(OptionalMissingRow.self, table: "t_int", key: "id"), Self.integer)
        case .text:
            return table(db, db.loader(TextRow.self, table: "t_text", key: "k", keyType: String.self), Self.text)
        case .optionalText:
            return table(
                db,
                db.loader(TextRow.self, table: "t_text", key: "k", keyType: String?.self),
                { value in value == .null ? .some(nil) : text(value).map { $0 } }
            )
        case .nocase:
            return table(db, db.loader(TextRow.self, table: "t_nocase", key: "k", keyType: String.self), Self.text)
        case .numeric:
            return table(db, db.loader(ValueRow.self, table: "t_num", key: "k", keyType: Int64.self), Self.integer)
        case .hostile:
            return table(
                db,
                db.loader(HostileRow.self, table: hostile.name, key: hostile.key, keyType: String.self),
                Self.text
            )
        case .groupByValue:
            return group(
                db,
                db.groupLoader(GroupRow.self, table: "t_group", key: "g", keyType: String.self, orderBy: "seq"),
                Self.text
            )
        case .groupByInteger:
            return group(db, db.groupLoader(GroupRow.self, table: "t_group", key: "g", orderBy: "seq"), Self.integer)
        case .groupNocase:
            return group(
                db,
                db.groupLoader(
                    GroupRow.self,
                    table: "t_group",
                    key: "g2",
                    keyType: String.self,
                    orderBy: "seq",
                    descending: true
                ),
                Self.text
            )
        case .filteredTopN:
            let loader = db.groupLoader(
                GroupRow.self,
                table: "t_group",
                key: "g",
                keyType: String.self,
                // Not on `v`, which the drifts drop: a batch whose statement fails fails its NUL keys with that
                // error too, which the differential check reads as a wrong answer for them.
                where: "g2 IS NOT NULL AND seq > ?",
                [1],
                orderBy: "seq",
                descending: true,
                limit: 2
            )
            return shaped(
                db,
                key: "g",
                direct: "SELECT * FROM t_group WHERE g = ? AND (g2 IS NOT NULL AND seq > 1) ORDER BY seq DESC LIMIT 2",
                Self.text
            ) { keys in await loader.loadMany(keys) }
        case .count:
            let loader = db.countLoader(table: "t_group", key: "g2", keyType: String.self)
            return shaped(db, key: "g2", direct: "SELECT count(*) AS n FROM t_group WHERE g2 = ?", Self.text) { keys in
                await loader.loadMany(keys).map { $0.map { [NumberRow(n: $0)] } }
            }
        case .exists:
            let loader = db.existsLoader(table: "t_group", key: "g", keyType: Int.self, where: "g2 <> ?", ["v"])
            return shaped(
                db,
                key: "g",
                direct: "SELECT EXISTS (SELECT 1 FROM t_group WHERE g = ? AND g2 <> 'v') AS n",
                Self.integer
            ) { keys in
                await loader.loadMany(keys).map { $0.map { [NumberRow(n: $0 ? 1 : 0)] } }
            }
        }
    }

    /// A probe of a shaped loader of `t_group`, whose answers `load` gives as rows, compared with `direct`.
    static func shaped<Key: SQLiteKey, Row: Decodable & Sendable & Equatable>(
        _ db: SQLiteSource,
        key: String,
        direct: String,
        _ makeKey: @escaping @Sendable (SQLiteValue) -> Key?,
        load: @escaping @Sendable ([Key]) async -> [Result<[Row], any Error>]
    ) -> Probe {
        let check = Differential(db: db, table: "t_group", keyColumn: key, direct: direct, unique: false)
        return Probe { values in
            let keys = values.compactMap(makeKey)
            let results = await load(keys)
            return { await check.compare(keys, results) }
        }
    }

    static func integer<Key: FixedWidthInteger>(_ value: SQLiteValue) -> Key? {
        guard case .integer(let integer) = value else { return nil }
        return Key(exactly: integer)
    }

    static func text(_ value: SQLiteValue) -> String? {
        guard case .text(let text) = value else { return nil }
        return text
    }

    static func table<Key: SQLiteKey, Row: Decodable & Sendable & Equatable>(
        _ db: SQLiteSource,
        _ loader: TableLoader<Key, Row>,
        _ makeKey: @escaping @Sendable (SQLiteValue) -> Key?
    ) -> Probe {
        let direct = "SELECT * FROM \(Fuzzer.quoted(loader.table)) WHERE \(Fuzzer.quoted(loader.keyColumn)) = ?"
        let check = Differential(db: db, table: loader.table, keyColumn: loader.keyColumn, direct: direct, unique: true)
        return Probe { values in
            let keys = values.compactMap(makeKey)
            let results = await loader.loadMany(keys)
            return {
                await check.compare(keys, results.map { result in result.map { row in row.map { [$0] } ?? [] } })
            }
        }
    }

    static func group<Key: SQLiteKey, Row: Decodable & Sendable & Equatable>(
        _ db: SQLiteSource,
        _ loader: GroupLoader<Key, Row>,
        _ makeKey: @escaping @Sendable (SQLiteValue) -> Key?
    ) -> Probe {
        let direct =
            "SELECT * FROM \(Fuzzer.quoted(loader.table)) WHERE \(Fuzzer.quoted(loader.keyColumn)) = ?"
            + (loader.keyColumn == "g2" ? " ORDER BY seq DESC" : " ORDER BY seq")
        let check = Differential(
            db: db,
            table: loader.table,
            keyColumn: loader.keyColumn,
            direct: direct,
            unique: false
        )
        return Probe { values in
            let keys = values.compactMap(makeKey)
            let results = await loader.loadMany(keys)
            return { await check.compare(keys, results) }
        }
    }
}

/// Compares a loader's answers with the direct query of each key.
struct Differential: Sendable {
    typealias Known = SQLFuzzTests.KnownDefects

    let db: SQLiteSource
    let table: String
    let keyColumn: String
    let direct: String
    /// Whether the loader is a table loader (one row per key), not a group loader.
    let unique: Bool

    func compare<Key: SQLiteKey, Row: Decodable & Sendable & Equatable>(
        _ keys: [Key],
        _ loaded: [Result<[Row], any Error>]
    ) async -> [String] {
        var problems: [String] = []
        for (key, result) in zip(keys, loaded) {
            let label = "\(table).\(keyColumn)[\(Self.describe(key.sqliteValue))]"
            if let problem = await problem(key, batch: keys, result) { problems.append("\(label): \(problem)") }
        }
        return problems
    }

    private func problem<Key: SQLiteKey, Row: Decodable & Sendable & Equatable>(
        _ key: Key,
        batch: [Key],
        _ loaded: Result<[Row], any Error>
    ) async -> String? {
        if case .failure(let error) = loaded, let problem = Fuzzer.typedProblems(error).first { return problem }
        let value = key.sqliteValue
        if value == .null {
            switch loaded {
            case .success(let rows) where rows.isEmpty: return nil
            case .failure(let error) where error is SchemaError: return nil  // the whole batch failed the check
            case .failure(let error) where Known.knownBatchWideDecodeErrorDefect && Self.isDecodeFailure(error):
                return nil  // known defect, issue #9: another row of the batch failed to decode
            default: return "a nil key must answer nothing, got \(loaded)"
            }
        }
        // A key with NUL is bound exactly (issue #11): it answers what the direct query answers, as any key does.
        if Known.knownKeyMatchingDefect,
            await matchesLoosely(value, batch: batch.map(\.sqliteValue))
        {
            return nil  // known defect, issue #9: key collation and Unicode forms (see knownKeyMatchingDefect)
        }
        let direct: Result<[Row], any Error>
        do {
            direct = .success(try await db.query(self.direct, [value], as: Row.self))
        } catch {
            direct = .failure(error)
        }
        switch (direct, loaded) {
        case (.failure, .failure):
            return nil
        case (.failure(let error), .success(let rows)):
            if Known.knownStaleOptionalColumnDefect, error is ColumnDecodingError {
                return nil  // found by the fuzzer: the loader no longer selects a column that came back
            }
            return "the loader answered \(rows.count) rows where the direct query failed: \(error)"
        case (.success(let rows), .failure(let error)):
            if unique, rows.count > 1, let error = error as? TableLoaderError, error.code == .duplicateKey {
                return nil
            }
            // The loader checks the schema before any row: a missing column fails it even when no row matches.
            if rows.isEmpty, error is SchemaError { return nil }
            if Known.knownBatchWideDecodeErrorDefect, Self.isDecodeFailure(error) {
                return nil  // known defect, issue #9: another row of the batch failed to decode
            }
            return "the loader failed (\(error)) where the direct query answered \(rows.count) rows"
        case (.success(let rows), .success(let answer)):
            if unique && rows.count > 1 { return "\(rows.count) rows must fail with duplicateKey, got \(answer)" }
            if rows == answer { return nil }
            if Known.knownStaleOptionalColumnDefect, rows.count == answer.count,
                zip(answer, rows).allSatisfy({ Self.differsOnlyInNils($0, $1) })
            {
                return nil  // found by the fuzzer: the loader answers nil for a column that came back
            }
            return "the loader answered \(answer), the direct query \(rows)"
        }
    }

    /// Whether the key's answer depends on the known key-matching defect: `key = ?` matches a row whose key has
    /// another type or other bytes (a collation, a type affinity), or the batch holds another key that Swift finds
    /// equal with other bytes (canonically equivalent Unicode).
    private func matchesLoosely(_ value: SQLiteValue, batch: [SQLiteValue]) async -> Bool {
        if case .text(let text) = value,
            batch.contains(where: { other in
                guard case .text(let otherText) = other else { return false }
                return otherText == text && !otherText.utf8.elementsEqual(text.utf8)
            })
        {
            return true
        }
        let column = Fuzzer.quoted(keyColumn)
        let loose = try? await db.query(
            "SELECT count(*) FROM \(Fuzzer.quoted(table)) WHERE \(column) = ?1"
                + " AND (typeof(\(column)) IS NOT typeof(?1) OR CAST(\(column) AS BLOB) IS NOT CAST(?1 AS BLOB))",
            [value],
            as: Int.self
        )
        return (loose?.first ?? 0) > 0
    }

    /// Whether `error` is a row's decoding failure (or its key's): what fails a whole batch today.
    static func isDecodeFailure(_ error: any Error) -> Bool {
        if error is ColumnDecodingError || error is DecodingError { return true }
        return (error as? TableLoaderError)?.code == .unreadableKey
    }

    /// Whether every stored property of `loaded` equals that of `direct`, or is `nil`.
    static func differsOnlyInNils(_ loaded: some Any, _ direct: some Any) -> Bool {
        let pairs = zip(Mirror(reflecting: loaded).children, Mirror(reflecting: direct).children)
        return pairs.allSatisfy { mine, theirs in
            let value = Mirror(reflecting: mine.value)
            let isNil = value.displayStyle == .optional && value.children.isEmpty
            return isNil || "\(mine.value)" == "\(theirs.value)"
        }
    }

    /// The value for a message: text escaped (NUL and control characters shown), long text cut.
    static func describe(_ value: SQLiteValue) -> String {
        guard case .text(let text) = value else { return "\(value)" }
        let escaped = text.debugDescription
        return escaped.count > 60 ? "\(escaped.prefix(40))… (\(text.count) characters)" : escaped
    }
}
