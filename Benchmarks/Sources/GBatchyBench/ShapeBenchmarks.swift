import BenchSQLite
import Foundation
import GBatchy
import GBatchySQL

/// S7–S9: the loader shapes of issue 11 against hand-written C running the very statement the loader sends (read
/// from a logging database's query log), on 1000 parents × 10 children.
extension SQLBenchmarks {
    func shapeRows(parents: [Int64], raw: RawSQLite) async throws -> [Row] {
        let db = try SQLiteSource(path: path, configuration: .init(isQueryLogEnabled: false))
        defer { Task { await db.close() } }
        let (latest, count, through) = Self.loaders(db)
        let sql = try await Self.sentSQL(path: path, parents: parents)
        let json = { "[" + parents.map { String($0) }.joined(separator: ",") + "]" }

        @Sendable func item(_ statement: OpaquePointer) -> Item {
            Item(
                id: sqlite3_column_int64(statement, 0),
                parentID: sqlite3_column_int64(statement, 1),
                name: String(cString: sqlite3_column_text(statement, 2)),
                score: sqlite3_column_double(statement, 3)
            )
        }
        /// The C floor of a group shape: the rows, each to its key's array by the position column.
        func groups(_ sql: String, extra: [Int64] = []) throws -> [[Item]] {
            var groups = [[Item]](repeating: [], count: parents.count)
            for (position, row) in try raw.rows(
                sql,
                json: json(),
                extra: extra,
                { (sqlite3_column_int64($0, 4), item($0)) }
            ) {
                groups[Int(position)].append(row)
            }
            return groups
        }
        func counts() throws -> [Int] {
            var counts = [Int](repeating: 0, count: parents.count)
            for (position, n) in try raw.rows(
                sql.count,
                json: json(),
                { (sqlite3_column_int64($0, 1), sqlite3_column_int64($0, 0)) }
            ) {
                counts[Int(position)] = Int(n)
            }
            return counts
        }

        // Both sides answer the same before anything is timed.
        let (ourLatest, ourCounts, ourThrough) = try await withBatchContext {
            async let a = latest.loadAll(parents)
            async let b = count.loadAll(parents)
            async let c = through.loadAll(parents)
            return try await (a, b, c)
        }
        guard try ourLatest == groups(sql.latest, extra: [3]), try ourCounts == counts(),
            try ourThrough == groups(sql.through), ourLatest.joined().count == 3000
        else { throw BenchError("the shape workloads disagree with the hand-written C") }

        var rows: [Row] = []
        let workloads: [(String, String, () async throws -> Void, () throws -> Void)] = [
            (
                "S7", "top 3 per key, 1000 keys (row_number window)",
                { _ = try await withBatchContext { try await latest.loadAll(parents) } },
                { _ = try groups(sql.latest, extra: [3]) }
            ),
            (
                "S8", "countLoader, 1000 keys × 10 rows",
                { _ = try await withBatchContext { try await count.loadAll(parents) } },
                { _ = try counts() }
            ),
            (
                "S9", "many-to-many through a join table, 1000 keys × 10",
                { _ = try await withBatchContext { try await through.loadAll(parents) } },
                { _ = try groups(sql.through) }
            ),
        ]
        for (id, name, ours, floor) in workloads {
            let timings = try await measureSideBySide(plan, [ours, { try floor() }])
            let ratio = timings[0].median / timings[1].median
            rows.append(
                row(
                    id,
                    name,
                    timings[0],
                    result: String(format: "%.2f× C of the same SQL", ratio),
                    target: "≤ 1.3× C",
                    pass: ratio <= 1.3,
                    values: ["ratio_raw": ratio, "raw_s": timings[1].median]
                )
            )
        }
        return rows
    }

    /// The three loaders: the 3 latest children of each parent, the children's count, and the children through
    /// `items` as its own join table (parent → child rows by `parent_id`, then the rows by primary key).
    private static func loaders(
        _ db: SQLiteSource
    ) -> (GroupLoader<Int64, Item>, CountLoader<Int64>, GroupLoader<Int64, Item>) {
        (
            db.groupLoader(
                Item.self,
                table: "items",
                key: "parent_id",
                keyType: Int64.self,
                orderBy: "id",
                descending: true,
                limit: 3
            ),
            db.countLoader(table: "items", key: "parent_id", keyType: Int64.self),
            db.groupLoader(
                Item.self,
                table: "items",
                through: "items",
                from: "parent_id",
                to: "id",
                keyType: Int64.self,
                orderBy: "id"
            )
        )
    }

    /// The statements the three shape loaders send, read from the query log of a database of their own.
    private static func sentSQL(
        path: String,
        parents: [Int64]
    ) async throws -> (latest: String, count: String, through: String) {
        let db = try SQLiteSource(path: path)
        let (latest, count, through) = loaders(db)
        func last() -> String { db.queryLog.entries.last { $0.keyCount != nil }?.sql ?? "" }
        _ = try await withBatchContext { try await latest.loadAll(parents) }
        let latestSQL = last()
        _ = try await withBatchContext { try await count.loadAll(parents) }
        let countSQL = last()
        _ = try await withBatchContext { try await through.loadAll(parents) }
        let throughSQL = last()
        await db.close()
        return (latestSQL, countSQL, throughSQL)
    }
}
