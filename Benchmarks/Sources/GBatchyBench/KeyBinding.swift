import BenchSQLite
import Foundation

/// K1–K4: the ways a table loader can bind a batch of keys, side by side on the raw C API, each reading the same rows
/// into the same structs and finding each row's key the way a loader must.
///
/// - `json`: `FROM json_each(?) AS k JOIN items AS t ON t.id = +k.value`, the keys as one JSON array, each row with
///   its key's position (`k.key`). One statement for any number of keys; JSON carries no BLOB and (on SQLite 3.40) no
///   text containing NUL.
/// - `in`: `WHERE t.id IN (?, …)`, the list padded with `NULL` to the next of the loader's `VALUES` lengths (1, 8,
///   64, 512, 4096: five statements) and cut into chunks of 4096 (SQLite 3.40 allows 32,766 parameters); each row
///   goes back to its key by value, which is exact only where the key column's comparison is byte-wise.
/// - `in2`: `in` padded to the next power of two (Hibernate's `in_clause_parameter_padding`): less padding, more
///   statements.
/// - `values`: `FROM (VALUES (0, ?), (1, ?), …) AS k JOIN items AS t ON t.id = +k.column2`, padded and chunked as
///   `in`, each row with its key's position.
/// - `temp`: the keys inserted into a temporary table, then `FROM temp.k JOIN items AS t ON t.id = +k.value`.
enum KeyBindingForm: String, CaseIterable {
    case json, `in`, in2, values, temp
}

/// The padded lengths of the `in` and `values` forms: a batch binds the first that holds it, a longer batch runs in
/// chunks of the last.
let paddedLengths = [1, 8, 64, 512, 4096]
/// The padded lengths of the `in2` form.
let powersOfTwo = (0...12).map { 1 << $0 }

extension RawSQLite {
    /// The rows of `keys` read with `form`, each with the index of its key in `keys`.
    func items(byID keys: [Int64], form: KeyBindingForm) throws -> [(Int, Item)] {
        var rows: [(Int, Item)] = []
        rows.reserveCapacity(keys.count)
        switch form {
        case .json:
            var json = "["
            json.reserveCapacity(keys.count * 8 + 2)
            for (index, key) in keys.enumerated() {
                if index > 0 { json += "," }
                json += String(key)
            }
            json += "]"
            let statement = try statement(
                "SELECT t.id, t.parent_id, t.name, t.score, k.key FROM json_each(?) AS k JOIN items AS t"
                    + " ON t.id = +k.value"
            )
            _ = json.withCString { sqlite3_bind_text(statement, 1, $0, -1, gbatchy_bench_transient()) }
            try read(statement, into: &rows) { Int(sqlite3_column_int64(statement, 4)) }
        case .in, .in2:
            var indexes: [Int64: Int] = [:]
            indexes.reserveCapacity(keys.count)
            for (index, key) in keys.enumerated() { indexes[key] = index }
            for chunk in chunks(keys.count) {
                let lengths = form == .in ? paddedLengths : powersOfTwo
                let length = lengths.first { $0 >= chunk.count } ?? chunk.count
                let statement = try statement(
                    "SELECT t.id, t.parent_id, t.name, t.score FROM items AS t WHERE t.id IN ("
                        + Array(repeating: "?", count: length).joined(separator: ",") + ")"
                )
                for (offset, index) in chunk.enumerated() {
                    sqlite3_bind_int64(statement, Int32(offset + 1), keys[index])
                }
                try read(statement, into: &rows) { indexes[sqlite3_column_int64(statement, 0)] ?? -1 }
            }
        case .values:
            for chunk in chunks(keys.count) {
                let length = paddedLengths.first { $0 >= chunk.count } ?? chunk.count
                let statement = try statement(
                    "SELECT t.id, t.parent_id, t.name, t.score, k.column1 FROM (VALUES "
                        + (0..<length).map { "(\($0),?)" }.joined(separator: ",")
                        + ") AS k JOIN items AS t ON t.id = +k.column2"
                )
                for (offset, index) in chunk.enumerated() {
                    sqlite3_bind_int64(statement, Int32(offset + 1), keys[index])
                }
                let base = chunk.lowerBound
                try read(statement, into: &rows) { base + Int(sqlite3_column_int64(statement, 4)) }
            }
        case .temp:
            try execute("CREATE TEMP TABLE IF NOT EXISTS k(key INTEGER PRIMARY KEY, value)")
            try execute("BEGIN")
            let insert = try statement("INSERT INTO temp.k(key, value) VALUES (?, ?)")
            for (index, key) in keys.enumerated() {
                sqlite3_bind_int64(insert, 1, Int64(index))
                sqlite3_bind_int64(insert, 2, key)
                guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError(message) }
                sqlite3_reset(insert)
            }
            let statement = try statement(
                "SELECT t.id, t.parent_id, t.name, t.score, k.key FROM temp.k AS k JOIN items AS t ON t.id = +k.value"
            )
            try read(statement, into: &rows) { Int(sqlite3_column_int64(statement, 4)) }
            try execute("DELETE FROM temp.k")
            try execute("COMMIT")
        }
        return rows
    }

    /// The batch's index ranges, each at most as long as the longest padded length.
    private func chunks(_ count: Int) -> [Range<Int>] {
        let longest = paddedLengths[paddedLengths.count - 1]
        return stride(from: 0, to: count, by: longest).map { $0..<min($0 + longest, count) }
    }

    /// Steps `statement` to the end, appending each row with the key index `index` reads; then resets it.
    private func read(
        _ statement: OpaquePointer,
        into rows: inout [(Int, Item)],
        index: () -> Int
    ) throws {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw BenchError(message) }
            rows.append(
                (
                    index(),
                    Item(
                        id: sqlite3_column_int64(statement, 0),
                        parentID: sqlite3_column_int64(statement, 1),
                        name: String(cString: sqlite3_column_text(statement, 2)),
                        score: sqlite3_column_double(statement, 3)
                    )
                )
            )
        }
    }
}

/// K1–K4: each key binding at 1, 10, 100, 1000, 10,000 and 300,000 keys, side by side. Every form must read the same
/// rows for the same keys before anything is timed.
func keyBindingRows(path: String, quick: Bool) async throws -> [Row] {
    let raw = try RawSQLite(path: path)
    let rowCount = RawSQLite.itemCount(path: path)
    var generator = SplitMix64(seed: 7)
    var rows: [Row] = []
    for size in [1, 10, 100, 1000, 10_000, 300_000] {
        var keySet: Set<Int64> = []
        while keySet.count < size { keySet.insert(Int64.random(in: 1...Int64(rowCount), using: &generator)) }
        let keys = Array(keySet)
        let forms = KeyBindingForm.allCases
        let answers = try forms.map { form in
            try raw.items(byID: keys, form: form).map { "\($0.0):\($0.1.id)" }.sorted()
        }
        guard answers.allSatisfy({ $0 == answers[0] && $0.count == size }) else {
            throw BenchError("the key bindings disagree at \(size) keys")
        }
        // The check above warmed each form up; past 1000 keys each run takes seconds.
        let runs = quick || size > 1000 ? (size > 10_000 ? 1 : 3) : 21
        let timings = try await measureSideBySide(
            Plan(warmups: 0, runs: runs, quick: quick),
            forms.map { form in { _ = try raw.items(byID: keys, form: form) } }
        )
        let fastest = timings.map(\.median).min() ?? 0
        FileHandle.standardError.write(
            Data("\(size) keys: \(zip(forms, timings).map { "\($0.rawValue) \(formatTime($1.median))" })\n".utf8)
        )
        for (form, timing) in zip(forms, timings) {
            rows.append(
                row(
                    "K-\(form.rawValue)",
                    "\(size) keys bound by \(form.rawValue)",
                    timing,
                    result: String(format: "%.2f× the fastest", timing.median / fastest),
                    target: "(reference)",
                    pass: nil,
                    values: ["keys": Double(size)]
                )
            )
        }
    }
    return rows
}
