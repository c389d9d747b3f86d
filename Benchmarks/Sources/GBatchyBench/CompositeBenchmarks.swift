import BenchSQLite
import GBatchy
import GBatchySQL

/// SC: composite keys (issue #11, shape 6) against hand-written C of the same SQL.
///
/// The loader binds the 1000 `(parent_id, id)` keys as one JSON array of arrays and matches each column with
/// `json_extract`; the floor runs that very statement through the raw C API, binds the same JSON text, reads the same
/// columns into the same structs and puts each row at its key's position, as the loader answers.
extension SQLBenchmarks {
    func compositeKeyRows(keys: [Int64]) async throws -> [Row] {
        let pairs = keys.map { ($0 / 10, $0) }
        let json = "[" + pairs.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]"
        let raw = try RawCompositeQuery(path: path)
        let db = try SQLiteSource(path: path, configuration: .init(isQueryLogEnabled: false))
        defer { Task { await db.close() } }
        let entries: CompositeKeyLoader<(Int64, Int64), Item> = db.loader(
            Item.self,
            table: "items",
            keys: ("parent_id", "id")
        )

        // The same answers before timing anything.
        let expected = try raw.items(json: json, count: pairs.count)
        let ours = try await withBatchContext { try await entries.loadAll(pairs) }
        guard expected.compactMap({ $0 }).count == 1000, ours == expected else {
            throw BenchError("the composite-key workloads disagree")
        }
        let timings = try await measureSideBySide(
            plan,
            [
                { _ = try raw.items(json: json, count: pairs.count) },
                { _ = try await withBatchContext { try await entries.loadAll(pairs) } },
            ]
        )
        let ratio = timings[1].median / timings[0].median
        return [
            row(
                "SCr",
                "raw C API: the composite-key SQL, 1000 (parent_id, id) keys",
                timings[0],
                result: "",
                target: "(reference)",
                pass: nil
            ),
            row(
                "SC",
                "composite loader.loadMany(1000 (parent_id, id) keys), Decodable",
                timings[1],
                result: String(format: "%.2f× raw C of the same SQL", ratio),
                target: "≤ 1.3× raw C",
                pass: ratio <= 1.3,
                values: ["ratio_raw": ratio]
            ),
        ]
    }
}

/// The composite-key loader's statement, run by hand through the raw C API.
final class RawCompositeQuery {
    static let sql =
        #"SELECT "t"."id", "t"."parent_id", "t"."name", "t"."score", "k"."key" FROM main.json_each(?) AS "k" "#
        + #"JOIN "items" AS "t" ON "t"."parent_id" = +json_extract("k"."value", '$[0]') "#
        + #"AND "t"."id" = +json_extract("k"."value", '$[1]')"#
    private var handle: OpaquePointer?
    private var statement: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            sqlite3_prepare_v3(handle, Self.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK
        else {
            throw BenchError("cannot prepare the composite-key SQL on \(path)")
        }
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close_v2(handle)
    }

    /// The row of each of the `count` keys of `json`, by position.
    func items(json: String, count: Int) throws -> [Item?] {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_bind_text(statement, 1, json, -1, transient)
        var items = [Item?](repeating: nil, count: count)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw BenchError(String(cString: sqlite3_errmsg(handle))) }
            let position = Int(sqlite3_column_int64(statement, 4))
            guard position >= 0, position < count else { throw BenchError("key position \(position)") }
            items[position] = Item(
                id: sqlite3_column_int64(statement, 0),
                parentID: sqlite3_column_int64(statement, 1),
                name: String(cString: sqlite3_column_text(statement, 2)),
                score: sqlite3_column_double(statement, 3)
            )
        }
        return items
    }
}
