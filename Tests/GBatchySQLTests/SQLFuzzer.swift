import Foundation
import GBatchy
import GBatchySQL

/// The fuzzer of ``SQLFuzzTests``: draws operations from a seeded generator, and runs each one, returning what it
/// found wrong. Drawing is the only part that uses the generator, so `run` is deterministic given an operation.
struct Fuzzer: Sendable {
    typealias Known = SQLFuzzTests.KnownDefects

    /// One thing the fuzzer does. Every parameter is drawn beforehand, so that a failure names it exactly.
    enum Operation: Sendable, CustomStringConvertible {
        case insert(table: Int, key: SQLiteValue, values: [SQLiteValue], throughExecute: Bool)
        case changeKey(table: Int, from: SQLiteValue, to: SQLiteValue)
        case delete(table: Int, key: SQLiteValue)
        /// A write that inserts, then fails: by throwing (`sqlError` false) or with an SQL error.
        case failingWrite(table: Int, key: SQLiteValue, sqlError: Bool)
        case load(probes: [Int], keys: [SQLiteValue])
        case fragment(sql: String, surface: Int, arguments: [SQLiteValue])
        case drift(sql: String, inWrite: Bool)
        case decode(value: SQLiteValue, type: Int)
        case bindDate(TimeInterval)
        case hostileLoader(table: String, key: String)

        var description: String {
            let short = Differential.describe
            switch self {
            case let .insert(table, key, values, execute):
                return "insert into \(Fuzzer.tables[table].name) key \(short(key)) values \(values.map(short))"
                    + (execute ? " (execute)" : " (write)")
            case let .changeKey(table, from, to):
                return "change key \(short(from)) to \(short(to)) in \(Fuzzer.tables[table].name)"
            case let .delete(table, key): return "delete key \(short(key)) from \(Fuzzer.tables[table].name)"
            case let .failingWrite(table, key, sqlError):
                return "failing write (\(sqlError ? "SQL error" : "thrown")) into \(Fuzzer.tables[table].name) "
                    + "key \(short(key))"
            case let .load(probes, keys):
                return "load \(keys.map(short)) with \(probes.map { Fuzzer.probeNames[$0] })"
            case let .fragment(sql, surface, arguments):
                return "\(Fuzzer.surfaces[surface]) \(short(.text(sql))) arguments \(arguments.map(short))"
            case let .drift(sql, inWrite): return "schema drift \(inWrite ? "in write" : "by execute"): \(sql)"
            case let .decode(value, type): return "decode \(short(value)) as \(Fuzzer.decodedTypes[type])"
            case let .bindDate(interval): return "bind Date(timeIntervalSince1970: \(interval))"
            case let .hostileLoader(table, key):
                return "loader on table \(table.debugDescription) key \(key.debugDescription)"
            }
        }
    }

    struct Table {
        let name: String
        let key: String
        let valueColumns: [String]
        let create: String
    }

    static let tables = [
        Table(
            name: "t_int",
            key: "id",
            valueColumns: ["name", "score", "data"],
            create: "CREATE TABLE IF NOT EXISTS t_int(id INTEGER PRIMARY KEY, name, score REAL, data BLOB)"
        ),
        Table(
            name: "t_text",
            key: "k",
            valueColumns: ["v"],
            create: "CREATE TABLE IF NOT EXISTS t_text(k TEXT PRIMARY KEY, v INTEGER)"
        ),
        Table(
            name: "t_nocase",
            key: "k",
            valueColumns: ["v"],
            create: "CREATE TABLE IF NOT EXISTS t_nocase(k TEXT UNIQUE COLLATE NOCASE, v INTEGER)"
        ),
        Table(
            name: "t_num",
            key: "k",
            valueColumns: ["v"],
            create: "CREATE TABLE IF NOT EXISTS t_num(k NUMERIC UNIQUE, v INTEGER)"
        ),
        Table(
            name: #"we"ird 😀 table"#,
            key: "key col; --",
            valueColumns: ["select"],
            create: #"CREATE TABLE IF NOT EXISTS "we""ird 😀 table"("key col; --" TEXT UNIQUE, "select" INTEGER)"#
        ),
        Table(
            name: "t_group",
            key: "g",
            valueColumns: ["g2", "v"],
            create: "CREATE TABLE IF NOT EXISTS t_group(seq INTEGER PRIMARY KEY, g, g2 TEXT COLLATE NOCASE, v TEXT)"
        ),
    ]

    /// How a fragment runs. `write, then fail` runs it in a write that then inserts a mark and throws: neither may
    /// stay.
    static let surfaces = ["query", "execute", "read", "write", "write, then fail"]

    let db: SQLiteSource
    private var generator: SplitMix64
    /// Keys written so far (whether or not the write succeeded), to load and change them again.
    private var writtenKeys: [SQLiteValue] = []
    private let probes: [Probe]

    init(db: SQLiteSource, seed: UInt64) {
        self.db = db
        generator = SplitMix64(seed: seed)
        probes = Probe.Kind.allCases.map { Probe.make($0, db) }
    }

    static let probeNames = Probe.Kind.allCases.map(\.rawValue)

    func createSchema() async throws {
        try await db.execute(Self.tables.map(\.create).joined(separator: "; "))
        try await db.execute("CREATE TABLE fuzz_marks(id INTEGER PRIMARY KEY)")
    }

    // MARK: - Drawing

    mutating func nextOperation() -> Operation {
        let table = Int.random(in: 0..<Self.tables.count, using: &generator)
        switch Int.random(in: 0..<100, using: &generator) {
        case 0..<28:
            let key = nextKey(table: table)
            writtenKeys.append(key)
            let values = Self.tables[table].valueColumns.map { _ in nextValue() }
            return .insert(table: table, key: key, values: values, throughExecute: Bool.random(using: &generator))
        case 28..<33:
            let to = nextKey(table: table)
            writtenKeys.append(to)
            return .changeKey(table: table, from: nextKey(table: table), to: to)
        case 33..<36: return .delete(table: table, key: nextKey(table: table))
        case 36..<40:
            return .failingWrite(table: table, key: nextKey(table: table), sqlError: Bool.random(using: &generator))
        case 40..<70:
            let probeCount = Int.random(in: 1...3, using: &generator)
            let chosen = (0..<probeCount).map { _ in Int.random(in: 0..<probes.count, using: &generator) }
            let keys = (0..<Int.random(in: 1...8, using: &generator)).map { _ in nextKey(table: nil) }
            return .load(probes: chosen, keys: keys)
        case 70..<80:
            let sql = Self.fragments.randomElement(using: &generator) ?? "SELECT 1"
            let arguments = (0..<Int.random(in: 0...2, using: &generator)).map { _ in nextValue() }
            var surface = Int.random(in: 0..<Self.surfaces.count, using: &generator)
            // `execute` runs outside any transaction: a BEGIN there is the caller's own transaction, not a defect.
            if surface == 1, Self.transactionControl.contains(sql) { surface = 2 }
            return .fragment(sql: sql, surface: surface, arguments: arguments)
        case 80..<87:
            return .drift(
                sql: Self.drifts.randomElement(using: &generator) ?? "SELECT 1",
                inWrite: Bool.random(using: &generator)
            )
        case 87..<94:
            return .decode(value: nextValue(), type: Int.random(in: 0..<Self.decodedTypes.count, using: &generator))
        case 94..<97:
            return .bindDate(Self.dates.randomElement(using: &generator) ?? 0)
        default:
            if Bool.random(using: &generator), let (table, key) = Self.hostilePairs.randomElement(using: &generator) {
                return .hostileLoader(table: table, key: key)
            }
            return .hostileLoader(
                table: Self.hostileNames.randomElement(using: &generator) ?? "t_int",
                key: Self.hostileNames.randomElement(using: &generator) ?? "id"
            )
        }
    }

    /// A key for `table` (of its natural type most of the time), or for any loader when `table` is nil.
    private mutating func nextKey(table: Int?) -> SQLiteValue {
        let roll = Int.random(in: 0..<10, using: &generator)
        if roll < 4, let written = writtenKeys.randomElement(using: &generator) {
            // Half the time a variant of a key written before: another case, another Unicode form, padded.
            guard Bool.random(using: &generator), case .text(let text) = written else { return written }
            return .text(Self.variant(of: text, Int.random(in: 0..<5, using: &generator)))
        }
        let integerKey = table.map { [0, 3].contains($0) } ?? Bool.random(using: &generator)
        if roll == 9 { return nextValue() }  // any type: a text key in an integer column, a blob, NULL
        if integerKey { return .integer(Self.integers.randomElement(using: &generator) ?? 0) }
        return .text(nextText())
    }

    private mutating func nextText() -> String {
        if Bool.random(using: &generator), let text = Self.texts.randomElement(using: &generator) { return text }
        let length = Int.random(in: 0...12, using: &generator)
        var text = ""
        for _ in 0..<length {
            text.unicodeScalars.append(Self.scalars.randomElement(using: &generator) ?? "a")
        }
        return text
    }

    private mutating func nextValue() -> SQLiteValue {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return .null
        case 1, 2: return .integer(Self.integers.randomElement(using: &generator) ?? 0)
        case 3, 4: return .real(Self.reals.randomElement(using: &generator) ?? 0)
        case 5:
            let count = Bool.random(using: &generator) ? Int.random(in: 0...64, using: &generator) : 200_000
            return .blob(Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        default: return .text(nextText())
        }
    }

    /// A text that SQLite or Swift may see as equal to `text` although its bytes differ, or that only looks close.
    static func variant(of text: String, _ kind: Int) -> String {
        switch kind {
        case 0: return text.uppercased()
        case 1: return text.lowercased()
        case 2: return text.decomposedStringWithCanonicalMapping
        case 3: return text.precomposedStringWithCanonicalMapping
        default: return text + " "
        }
    }

    static let integers: [Int64] = [
        .min, .max, .min + 1, .max - 1, 0, -1, 1, 2, 7, 42, 1 << 31, -(1 << 31), 1 << 53, (1 << 53) + 1, -(1 << 53) - 1,
        1_000_000_007,
    ]
    static let reals: [Double] = [
        0, -0.0, 1, 2, 2.5, -2.5, 1e308, -1e308, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity,
        -.infinity, .nan, 9.223372036854776e18, -9.223372036854776e18, 0.1,
    ]
    static let texts: [String] = [
        "", " ", "a", "A", "abc", "ABC", "Abc", "zoë", "zoe\u{308}", "é", "e\u{301}", "Å", "A\u{30A}", "\u{212B}",
        "ß", "SS", "ı", "I", "İ", "i\u{307}", "ﬁ", "fi", "😀", "👩‍👩‍👧", "\u{202E}rtl", "\u{200B}", "\u{FEFF}bom",
        "'", "''", "\"", "\\", "\\\"", "]", "[", ",", "{}", "[1,2]", "null", "true", "1", "01", "1.0", "-0", "1e3",
        " 1", "0x10", "9223372036854775808", "-9223372036854775809", "'); DROP TABLE t_text; --", "%", "_", "*",
        "\n", "\t", "\r\n", "\u{1}", "\u{1F}", "\u{7F}", "\u{FFFD}", "a\0b", "\0", "\0\0", "nul\0",
        String(repeating: "x", count: 100_000), String(repeating: "é", count: 30_000),
        String(repeating: "e\u{301}", count: 20_000),
    ]
    static let scalars: [Unicode.Scalar] = [
        "a", "b", "A", "B", "z", "Z", "0", "9", " ", "'", "\"", "\\", "%", "_", ";", "-", "\u{0}", "\u{1}", "\u{1F}",
        "\u{7F}", "é", "e", "\u{301}", "\u{308}", "ß", "ı", "İ", "😀", "\u{200D}", "\u{202E}", "\u{FFFD}", "中",
        "\u{10FFFF}",
    ]
    static let dates: [TimeInterval] = {
        var dates: [TimeInterval] = [
            0, -1, 1e9, -1e9, 1e12, -1e12, 253_402_300_800, -62_135_596_800, Date.distantPast.timeIntervalSince1970,
            Date.distantFuture.timeIntervalSince1970, 0.000_5, -0.000_5, 1_700_000_000.999_9,
        ]
        if !Known.knownDateNaNDefect { dates += [.nan, .infinity, -.infinity, 1e300, -1e300] }
        return dates
    }()

    // MARK: - SQL

    /// SQL fragments run through every surface. Transaction control and NUL characters are known defects.
    static let fragments: [String] = {
        var fragments = [
            "SELECT 1", "SELECT", "SELEC 1", ";", ";;", "", "   ", "-- only a comment", "/* unterminated",
            "SELECT 1; SELECT 2", "SELECT 1;", "SELECT ?", "SELECT ?, ?", "SELECT :a, @b, $c", "SELECT ?999",
            "SELECT x'00ff'", "SELECT zeroblob(100000)", "SELECT randomblob(10)", "SELECT 9223372036854775807 + 1",
            "SELECT -9223372036854775808 / -1", "SELECT abs(-9223372036854775808)", "SELECT 1e999",
            "SELECT char(0)", "SELECT 'a' || char(0) || 'b'", "SELECT CAST(x'c3' AS TEXT)",
            "SELECT * FROM json_each('[1,2')", "SELECT * FROM json_each(?)", "SELECT * FROM no_such_table",
            "SELECT \"no such column\" FROM t_int", #"SELECT * FROM "we""ird 😀 table""#, "SELECT * FROM t_int",
            "SELECT * FROM t_group WHERE g = ?", "CREATE TABLE IF NOT EXISTS scratch(x)",
            "INSERT INTO scratch VALUES (1), ('two'), (x'03'), (NULL), (4.5)", "INSERT INTO scratch VALUES (?)",
            "DELETE FROM scratch", "DROP TABLE IF EXISTS scratch",
            "INSERT INTO t_text(k, v) VALUES (CAST(x'c3' AS TEXT), 1)", "INSERT INTO t_text(k, v) VALUES (?, ?)",
            "INSERT INTO t_int(id, name) VALUES (?, ?)", "UPDATE t_int SET name = ? WHERE id = ?",
            "INSERT INTO t_group(g, g2, v) VALUES (?, ?, 'v')", "DELETE FROM t_group WHERE g = ?",
            "CREATE INDEX IF NOT EXISTS t_text_v ON t_text(v)", "DROP INDEX IF EXISTS t_text_v",
            "PRAGMA table_info(t_int)", "PRAGMA user_version", "PRAGMA user_version = 7", "PRAGMA integrity_check",
            "SELECT sqlite_version()",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000) SELECT count(*) FROM c",
            "SELECT printf('%.*c', 100000, 'x')", "VALUES (1, 2), (3, 4)", "SELECT 1 UNION SELECT 'a'",
            "EXPLAIN SELECT 1", "ANALYZE", "REINDEX", "VACUUM", "PRAGMA wal_checkpoint", "SELECT load_extension('x')",
            "SELECT 1 FROM t_int WHERE id IN (SELECT value FROM json_each('[1,2,3]'))",
            String(repeating: "SELECT 1 UNION ALL ", count: 400) + "SELECT 1",
            "SELECT '" + String(repeating: "q", count: 200_000) + "'",
        ]
        if !Known.knownTransactionControlDefect { fragments += transactionControl }
        if !Known.knownNulInSQLDefect {
            fragments += ["SELECT 1\0; DROP TABLE t_int", "SELECT '\0'", "\0", "SELECT 1 -- \0 comment"]
        }
        if !Known.knownJSONEachShadowingDefect {
            fragments += ["CREATE TABLE IF NOT EXISTS json_each(value, key)", "DROP TABLE IF EXISTS json_each"]
        }
        return fragments
    }()

    static let transactionControl = [
        "BEGIN", "BEGIN IMMEDIATE", "COMMIT", "END", "ROLLBACK", "SAVEPOINT s", "RELEASE s", "ROLLBACK TO s",
        "SELECT 1; COMMIT", "COMMIT; BEGIN",
    ]

    /// Schema changes between ticks: columns added, renamed and dropped, tables dropped and created again.
    static let drifts: [String] = [
        "ALTER TABLE t_int ADD COLUMN extra TEXT", "ALTER TABLE t_int DROP COLUMN extra",
        "ALTER TABLE t_int DROP COLUMN score", "ALTER TABLE t_int ADD COLUMN score REAL",
        "ALTER TABLE t_int RENAME COLUMN name TO name_old", "ALTER TABLE t_int RENAME COLUMN name_old TO name",
        "ALTER TABLE t_text ADD COLUMN extra BLOB DEFAULT x'00'", "ALTER TABLE t_text DROP COLUMN extra",
        "ALTER TABLE t_text RENAME COLUMN v TO v2", "ALTER TABLE t_text RENAME COLUMN v2 TO v",
        "DROP TABLE IF EXISTS t_text", tables[1].create,
        "DROP TABLE IF EXISTS t_text; CREATE TABLE t_text(k TEXT PRIMARY KEY COLLATE NOCASE, v TEXT)",
        "DROP TABLE IF EXISTS t_nocase", tables[2].create,
        "DROP TABLE IF EXISTS t_num; CREATE TABLE t_num(k TEXT UNIQUE, v REAL)", tables[3].create,
        "ALTER TABLE t_group ADD COLUMN v2", "ALTER TABLE t_group DROP COLUMN v",
        "ALTER TABLE t_group ADD COLUMN v TEXT", "DROP TABLE IF EXISTS t_group", tables[5].create,
        #"ALTER TABLE "we""ird 😀 table" RENAME TO "we""ird 😀 table 2""#,
        #"ALTER TABLE "we""ird 😀 table 2" RENAME TO "we""ird 😀 table""#,
        "CREATE VIEW IF NOT EXISTS v_int AS SELECT id, name FROM t_int", "DROP VIEW IF EXISTS v_int",
    ]

    /// Table and column names for loaders created on the fly: hostile, misspelt, or naming a view or schema table.
    static let hostileNames: [String] = {
        var names = [
            "t_int", "T_INT", " t_int", "t_int ", "id", "ID", "k", "name", "\"", "\"\"", "'); DROP TABLE t_int; --",
            #"t_int"; DROP TABLE t_int; --"#, "", "😀", "sqlite_schema", "sqlite_master", "v_int", "rowid", "oid",
            "_rowid_", #"we"ird 😀 table"#, "key col; --", "select", "[t_int]", "`t_int`", "main.t_int",
        ]
        if !Known.knownJSONEachShadowingDefect { names += ["json_each", "value"] }
        if !Known.knownNulNameDefect { names += ["t_int\0", "t_\0int", "id\0; --", "\0"] }
        return names
    }()

    /// Table and key pairs close to real ones: another case, a schema table, a view, or a real name with a NUL.
    static let hostilePairs: [(String, String)] = {
        var pairs = [
            ("t_int", "id"), ("T_INT", "ID"), ("main.t_int", "id"), ("sqlite_schema", "name"), ("v_int", "id"),
            ("t_group", "g"), (#"we"ird 😀 table"#, "key col; --"), (#"WE"IRD 😀 TABLE"#, "KEY COL; --"),
        ]
        if !Known.knownNulNameDefect {
            pairs += [("t_int\0", "id"), ("t_int\0; DROP TABLE t_int", "id"), ("t_int", "id\0"), ("t_int", "id\0name")]
        }
        if !Known.knownJSONEachShadowingDefect { pairs += [("json_each", "value"), ("json_each", "key")] }
        return pairs
    }()

    static let decodedTypes = [
        "Int", "Int8", "UInt8", "Int32", "UInt64", "Double", "Float", "Bool", "String", "Data", "Date", "UUID",
        "SQLiteSourceRow", "Int?", "[Int]", "Nested",
    ]

    // MARK: - Running

    /// Runs `operation` and returns what it found wrong.
    func run(_ operation: Operation) async -> [String] {
        switch operation {
        case let .insert(table, key, values, throughExecute):
            let sql = Self.insertSQL(table)
            let arguments: [any SQLiteBindable] = [key] + values
            return await expectTyped {
                if throughExecute {
                    try await db.execute(sql, arguments)
                } else {
                    try await db.write { conn in try conn.execute(sql, arguments) }
                }
            }
        case let .changeKey(table, from, to):
            let (name, key) = (Self.quoted(Self.tables[table].name), Self.quoted(Self.tables[table].key))
            return await expectTyped {
                try await db.write { conn in
                    try conn.execute("UPDATE \(name) SET \(key) = ? WHERE \(key) = ?", [to, from])
                }
            }
        case let .delete(table, key):
            let (name, column) = (Self.quoted(Self.tables[table].name), Self.quoted(Self.tables[table].key))
            return await expectTyped { try await db.execute("DELETE FROM \(name) WHERE \(column) = ?", [key]) }
        case let .failingWrite(table, key, sqlError):
            return await failingWrite(table: table, key: key, sqlError: sqlError)
        case let .load(chosen, keys):
            return await load(chosen.map { probes[$0] }, keys: keys)
        case let .fragment(sql, surface, arguments):
            return await fragment(sql, surface: surface, arguments: arguments)
        case let .drift(sql, inWrite):
            return await expectTyped {
                if inWrite {
                    try await db.write { conn in try conn.execute(sql) }
                } else {
                    try await db.execute(sql)
                }
            }
        case let .decode(value, type):
            return await decode(value, as: type)
        case let .bindDate(interval):
            let date = Date(timeIntervalSince1970: interval)
            return await expectTyped {
                let text = try await db.query("SELECT ?", [date], as: String.self)
                let back = try await db.query("SELECT ?", [date], as: Date.self)
                if text.count != 1 || back.count != 1 { throw FuzzProblem("one row expected") }
            }
        case let .hostileLoader(table, key):
            let loader: TableLoader<Int, Probe.LooseRow> = db.loader(Probe.LooseRow.self, table: table, key: key)
            let groups: GroupLoader<String, Probe.LooseRow> = db.groupLoader(
                Probe.LooseRow.self,
                table: table,
                key: key,
                orderBy: key
            )
            let results = await withBatchContext {
                async let one = loader.loadMany([1, 2, .min])
                async let many = groups.loadMany(["1", "t_int", ""])
                return await (one.map { $0.map { _ in () } } + many.map { $0.map { _ in () } })
            }
            var problems: [String] = []
            for result in results {
                switch result {
                case .failure(let error): problems += Self.typedProblems(error)
                case .success where (table + key).unicodeScalars.contains("\0"):
                    problems.append("a loader on a name with a NUL character loaded")
                case .success: break
                }
            }
            return problems
        }
    }

    private func failingWrite(table: Int, key: SQLiteValue, sqlError: Bool) async -> [String] {
        let name = Self.quoted(Self.tables[table].name)
        let countSQL = "SELECT count(*) FROM \(name)"
        let before = try? await db.query(countSQL, as: Int.self)
        let insert = Self.insertSQL(table)
        let width = Self.tables[table].valueColumns.count
        let result = await capture {
            try await db.write { conn in
                try conn.execute(insert, [key] + Array(repeating: SQLiteValue.null, count: width))
                if sqlError { try conn.execute("INSERT INTO no_such_table VALUES (1)") }
                throw FuzzProblem("the write's body gave up")
            }
        }
        var problems: [String] = []
        if let result { problems += Self.typedProblems(result) } else { problems.append("the failing write returned") }
        let after = try? await db.query(countSQL, as: Int.self)
        if before != after {
            problems.append("a failed write left a trace: \(before ?? []) rows before, \(after ?? []) after")
        }
        return problems
    }

    private func fragment(_ sql: String, surface: Int, arguments: [SQLiteValue]) async -> [String] {
        let bindables: [any SQLiteBindable] = arguments
        let marks = try? await db.query("SELECT count(*) FROM fuzz_marks", as: Int.self)
        let error = await capture {
            switch surface {
            case 0: _ = try await db.query(sql, bindables, as: SQLiteSourceRow.self)
            case 1: try await db.execute(sql, bindables)
            case 2: _ = try await db.read { conn in try conn.query(sql, bindables, as: SQLiteSourceRow.self) }
            case 3: try await db.write { conn in try conn.execute(sql, bindables) }
            default:
                try await db.write { conn in
                    try conn.execute(sql, bindables)
                    try conn.execute("INSERT INTO fuzz_marks DEFAULT VALUES")
                    throw FuzzProblem("the write's body gave up")
                }
            }
        }
        var problems = error.map(Self.typedProblems) ?? []
        if sql.unicodeScalars.contains("\0"), error == nil { problems.append("SQL with a NUL character ran") }
        if surface == 4, error == nil { problems.append("a write whose body threw returned") }
        if surface == 4, let after = try? await db.query("SELECT count(*) FROM fuzz_marks", as: Int.self),
            after != marks
        {
            problems.append("a write whose body threw left its mark")
        }
        return problems + (await freshReads())
    }

    /// Commits a mark, then reads it back on every reader at once: a reader left in an old transaction sees less.
    private func freshReads() async -> [String] {
        guard (try? await db.execute("INSERT INTO fuzz_marks DEFAULT VALUES")) != nil,
            let latest = try? await db.query("SELECT max(id) FROM fuzz_marks", as: Int.self)
        else { return [] }  // the writer is unusable: the fragment's own failure says why
        let reads = await withTaskGroup(of: [Int]?.self) { group in
            for _ in 0..<4 { group.addTask { try? await db.query("SELECT max(id) FROM fuzz_marks", as: Int.self) } }
            var reads: [[Int]?] = []
            for await read in group { reads.append(read) }
            return reads
        }
        return reads.contains { $0 != nil && $0 != latest }
            ? ["a read saw an old snapshot: \(reads), latest \(latest)"] : []
    }

    private func decode(_ value: SQLiteValue, as type: Int) async -> [String] {
        struct Nested: Decodable, Sendable {
            struct Inner: Decodable, Sendable { var x: Int }
            var value: Inner
        }
        let sql = "SELECT ? AS value"
        let arguments: [any SQLiteBindable] = [value]
        return await expectTyped {
            switch type {
            case 0: _ = try await db.query(sql, arguments, as: Int.self)
            case 1: _ = try await db.query(sql, arguments, as: Int8.self)
            case 2: _ = try await db.query(sql, arguments, as: UInt8.self)
            case 3: _ = try await db.query(sql, arguments, as: Int32.self)
            case 4: _ = try await db.query(sql, arguments, as: UInt64.self)
            case 5: _ = try await db.query(sql, arguments, as: Double.self)
            case 6: _ = try await db.query(sql, arguments, as: Float.self)
            case 7: _ = try await db.query(sql, arguments, as: Bool.self)
            case 8: _ = try await db.query(sql, arguments, as: String.self)
            case 9: _ = try await db.query(sql, arguments, as: Data.self)
            case 10: _ = try await db.query(sql, arguments, as: Date.self)
            case 11: _ = try await db.query(sql, arguments, as: UUID.self)
            case 12: _ = try await db.query(sql, arguments, as: SQLiteSourceRow.self)
            case 13: _ = try await db.query(sql, arguments, as: Int?.self)
            case 14: _ = try await db.query(sql, arguments, as: [Int].self)
            default: _ = try await db.query(sql, arguments, as: Nested.self)
            }
        }
    }

    /// Loads `keys` with every probe in one context (one tick), then checks each answer against a direct query.
    private func load(_ chosen: [Probe], keys: [SQLiteValue]) async -> [String] {
        let checks = await withBatchContext {
            await withTaskGroup(of: (@Sendable () async -> [String]).self) { group in
                for probe in chosen { group.addTask { await probe.load(keys) } }
                var checks: [@Sendable () async -> [String]] = []
                for await check in group { checks.append(check) }
                return checks
            }
        }
        var problems: [String] = []
        for check in checks { problems += await check() }
        return problems
    }

    // MARK: - Helpers

    static func insertSQL(_ table: Int) -> String {
        let columns = [tables[table].key] + tables[table].valueColumns
        return "INSERT INTO \(quoted(tables[table].name))(\(columns.map(quoted).joined(separator: ", "))) VALUES ("
            + columns.map { _ in "?" }.joined(separator: ", ") + ")"
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Runs `body`; a thrown error must be one of the library's typed errors.
    private func expectTyped(_ body: () async throws -> Void) async -> [String] {
        guard let error = await capture(body) else { return [] }
        return Self.typedProblems(error)
    }

    static func typedProblems(_ error: any Error) -> [String] {
        do {
            try checkTyped(error)
            return []
        } catch {
            return ["\(error)"]
        }
    }

    /// Throws unless `error` is a typed error of the library (or the fuzzer's own), with a description.
    static func checkTyped(_ error: any Error) throws {
        switch error {
        case let error as SQLiteSourceError where !error.description.isEmpty: return
        case is SchemaError, is TableLoaderError, is ColumnDecodingError, is FuzzProblem: return
        case is DecodingError where Known.knownUntypedDecodingErrorDefect: return  // known defect, issue #9
        default: throw FuzzProblem("an untyped error: \(type(of: error)): \(error)")
        }
    }
}

/// An error of the fuzzer itself: a body that gives up, or a problem to report.
struct FuzzProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
