import Foundation
import Testing

@testable import GBatchySQL

@Suite("Touched tables reported to didCommitWrite", .timeLimit(.minutes(1)))
struct WriteObservationTests {
    @Test func writesReportTheTablesTheyTouched() async throws {
        try await withTemporaryDatabase(configuration: .init(readerCount: 1)) { db, _ in
            try await db.execute("CREATE TABLE a(x); CREATE TABLE b(x); INSERT INTO b VALUES (1), (2)")
            let dml = try await db.writer.submit { conn in
                try conn.inWriteTransaction { conn in
                    try conn.execute("INSERT INTO a VALUES (?)", [1])
                    try conn.execute("DELETE FROM b")  // truncate optimization: no update hook call
                }.1
            }
            #expect(dml == ["a", "b"])

            let ddl = try await db.writer.submit { conn in
                try conn.inWriteTransaction { conn in
                    try conn.execute("CREATE TABLE c(x); CREATE INDEX a_x ON a(x); SELECT * FROM b")
                }.1
            }
            #expect(ddl == ["c", "a"])

            let readOnly = try await db.writer.submit { conn in
                try conn.inWriteTransaction { conn in _ = try conn.query("SELECT x FROM a", as: Int.self) }.1
            }
            #expect(readOnly.isEmpty)

            let rolledBack = await capture {
                _ = try await db.writer.submit { conn in
                    try conn.inWriteTransaction { conn in
                        try conn.execute("INSERT INTO a VALUES (2)")
                        throw TestFailure()
                    }.1
                }
            }
            #expect(rolledBack is TestFailure)
            let next = try await db.writer.submit { conn in
                try conn.inWriteTransaction { conn in try conn.execute("UPDATE b SET x = 0") }.1
            }
            #expect(next == ["b"])  // nothing left over from the rolled-back write
        }
    }
}
