import GBatchy
import PostgresNIO

/// Runs every loader batch of one source in one tick inside one `REPEATABLE READ READ ONLY` transaction, on one
/// connection, so that every statement of the tick sees the same snapshot.
///
/// A tick with a single batch runs it as it is: one statement sees one snapshot anyway, and needs no `BEGIN` or
/// `COMMIT`. If the transaction cannot begin (no connection, the server is down), every batch still runs, on its
/// own, and fails with its own error: a batch is never left unrun, or its waiters would wait forever.
///
/// `Sendable`: its only stored property is a weak reference set once, before the source is shared.
final class PostgresSnapshotGroup: BatchDispatchGroup, @unchecked Sendable {
    /// Weak: the source owns the group. Set once by the source's initializer.
    weak var source: PostgresSource?

    func run(_ batches: [@Sendable () async -> Void]) async {
        guard let source, batches.count > 1 else { return await Self.runAll(batches) }
        let target = source.readTarget
        var started = false
        do {
            try await target.client.withConnection { connection in
                _ = try await source.run(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    PostgresBindings(),
                    on: connection,
                    role: target.role
                )
                started = true
                let snapshot = PostgresSource.Snapshot(
                    source: ObjectIdentifier(source),
                    connection: connection,
                    role: target.role,
                    client: target.client
                )
                await PostgresSource.$snapshot.withValue(snapshot) { await Self.runAll(batches) }
                // A failed statement aborted the transaction; ROLLBACK ends it as well as COMMIT would.
                _ = try await source.run("COMMIT", PostgresBindings(), on: connection, role: target.role)
            }
        } catch {
            // Before the batches ran: run them without a shared snapshot (each fails or succeeds on its own).
            // After: they all finished, and only ending the read-only transaction failed.
            if !started { await Self.runAll(batches) }
        }
    }

    private static func runAll(_ batches: [@Sendable () async -> Void]) async {
        if batches.count == 1 { return await batches[0]() }
        await withTaskGroup(of: Void.self) { group in
            for batch in batches { group.addTask { await batch() } }
        }
    }
}
