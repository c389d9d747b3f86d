import GBatchy
import PostgresNIO

/// Runs every loader batch of one source in one tick inside one `REPEATABLE READ READ ONLY` transaction, on one
/// connection, so that every statement of the tick sees the same snapshot.
///
/// A tick with a single batch runs it as it is: one statement sees one snapshot anyway, and needs no `BEGIN` or
/// `COMMIT`. When the replica gives no connection, the transaction runs on the primary. If the transaction cannot
/// begin, every batch still runs, on its own, and fails with its own error (with the connection error at once, when
/// no connection could be had): a batch is never left unrun, or its waiters would wait forever.
///
/// `Sendable`: its only stored property is a weak reference set once, before the source is shared.
final class PostgresSnapshotGroup: BatchDispatchGroup, @unchecked Sendable {
    /// Weak: the source owns the group. Set once by the source's initializer.
    weak var source: PostgresSource?

    func run(_ batches: [@Sendable () async -> Void]) async {
        guard let source, batches.count > 1 else { return await Self.runAll(batches) }
        let target = source.readTarget
        // The replica first, when there is one; the primary when the replica gives no connection.
        var clients = [(client: target.client, role: target.role)]
        if let primary = target.fallback { clients.append((primary, .writer)) }
        let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        var started = false
        var failure: PostgresSourceError?
        for (client, role) in clients {
            do {
                try await source.withConnection(client, role: role, sql: begin, table: nil) { connection in
                    _ = try await source.run(begin, PostgresBindings(), on: connection, role: role)
                    started = true
                    let snapshot = PostgresSource.Snapshot(
                        source: ObjectIdentifier(source),
                        connection: connection,
                        role: role,
                        client: client
                    )
                    await PostgresSource.$snapshot.withValue(snapshot) { await Self.runAll(batches) }
                    // A failed statement aborted the transaction; ROLLBACK ends it as well as COMMIT would.
                    _ = try await source.run("COMMIT", PostgresBindings(), on: connection, role: role)
                }
                return
            } catch {
                // After the batches ran, only ending the read-only transaction failed: they all finished.
                if started { return }
                failure = error as? PostgresSourceError
                // A connection that failed is worth the primary's try; a statement the server refused is not.
                guard failure?.code == .connection else { break }
                if role == .replica { source.replicaFailed(error) }
            }
        }
        // The batches run without a shared snapshot, each failing or succeeding on its own; when no connection could
        // be had, they fail at once with that error instead of each waiting for a connection again.
        if let failure, failure.code == .connection {
            let shared = PostgresSource.LeaseFailure(source: ObjectIdentifier(source), error: failure)
            await PostgresSource.$leaseFailure.withValue(shared) { await Self.runAll(batches) }
        } else {
            await Self.runAll(batches)
        }
    }

    private static func runAll(_ batches: [@Sendable () async -> Void]) async {
        if batches.count == 1 { return await batches[0]() }
        await withTaskGroup(of: Void.self) { group in
            for batch in batches { group.addTask { await batch() } }
        }
    }
}
