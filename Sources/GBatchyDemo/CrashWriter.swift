import Foundation
import GBatchySQL

/// `gbatchy-demo crash-writer PATH`: writes transactions into the database at `PATH` until it is killed, and
/// acknowledges each one on standard output once ``SQLiteSource/write(_:)`` has returned.
///
/// The crash-consistency test (`Crash consistency` in GBatchySQLTests) kills this process with `SIGKILL` at random
/// moments, then checks that every acknowledged transaction is in the database, whole, and that no transaction is
/// there in part. Each transaction takes the next id, inserts one `crash_tx` row and `parts` rows into `crash_rows`
/// (payloads of up to a few pages, so that some rows overflow), and adds `parts` to the running total in
/// `crash_totals`. Two tasks write at once, so writes queue on the writer connection.
///
/// ```sh
/// swift run gbatchy-demo crash-writer /tmp/crash.sqlite   # prints 1, 2, 3… until killed
/// ```
enum CrashWriter {
    /// The tables, created in one transaction (a kill during the first run leaves all of them or none).
    static let schema = """
        CREATE TABLE IF NOT EXISTS crash_tx(tx INTEGER PRIMARY KEY, parts INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS crash_rows(
            tx INTEGER NOT NULL REFERENCES crash_tx(tx), part INTEGER NOT NULL, payload TEXT NOT NULL,
            PRIMARY KEY (tx, part));
        CREATE INDEX IF NOT EXISTS crash_rows_by_length ON crash_rows(length(payload));
        CREATE TABLE IF NOT EXISTS crash_totals(id INTEGER PRIMARY KEY CHECK (id = 1), rows INTEGER NOT NULL);
        INSERT OR IGNORE INTO crash_totals(id, rows) VALUES (1, 0);
        """

    /// The payload of one row: its `tx.part;` tag repeated, so that a reader can check every byte of it.
    static func payload(tx: Int, part: Int) -> String {
        let repetitions = (tx &* 2_654_435_761 &+ part &* 40_503) % 900 + 1
        return String(repeating: "\(tx).\(part);", count: repetitions)
    }

    static func run(path: String) async throws {
        let db = try SQLiteSource(path: path)
        try await db.write { conn in try conn.execute(schema) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    while true {
                        let tx = try await db.write(writeOneTransaction)
                        // The acknowledgment: one write(2) of the whole line, after the commit returned. When the
                        // reader is gone, the write fails (or SIGPIPE ends the process), and so does the writer.
                        try FileHandle.standardOutput.write(contentsOf: Data("\(tx)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Inserts the next transaction and returns its id.
    @Sendable static func writeOneTransaction(_ conn: SQLiteSourceConnection) throws -> Int {
        let tx = try conn.query("SELECT coalesce(max(tx), 0) + 1 FROM crash_tx", as: Int.self)[0]
        let parts = 1 + tx % 6
        try conn.execute("INSERT INTO crash_tx(tx, parts) VALUES (?, ?)", [tx, parts])
        for part in 0..<parts {
            try conn.execute(
                "INSERT INTO crash_rows(tx, part, payload) VALUES (?, ?, ?)",
                [tx, part, payload(tx: tx, part: part)]
            )
        }
        try conn.execute("UPDATE crash_totals SET rows = rows + ? WHERE id = 1", [parts])
        return tx
    }
}
