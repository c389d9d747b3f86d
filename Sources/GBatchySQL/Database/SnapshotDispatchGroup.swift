import GBatchy

/// Runs every table-loader batch of one database in one tick inside one read transaction.
///
/// A tick with a single batch of the database runs it as it is: its one query sees one snapshot anyway.
///
/// The context hands the group all batches of the tick that belong to the database; the group opens
/// ``SQLiteSource/withReadSnapshot(_:)`` and runs them concurrently inside it, so every loader query of the tick
/// sees the same snapshot (they are serialized on the snapshot's reader connection). If the snapshot cannot be
/// opened (the database is closed, `BEGIN` fails), every batch still runs, on its own, and fails with its own error:
/// a batch is never left unrun, or its waiters would wait forever.
///
/// `Sendable`: its only stored property is an immutable weak reference.
final class SnapshotDispatchGroup: BatchDispatchGroup {
    /// Weak: the database owns the group.
    private weak let database: SQLiteSource?

    init(database: SQLiteSource) {
        self.database = database
    }

    func run(_ batches: [@Sendable () async -> Void]) async {
        // One query reads one snapshot by itself: the shared transaction would only add two trips to the reader's
        // thread (BEGIN and COMMIT).
        guard let database, batches.count > 1 else { return await Self.runAll(batches) }
        var started = false
        do {
            try await database.withReadSnapshot {
                started = true
                await Self.runAll(batches)
            }
        } catch {
            // Before the body ran: run the batches without a shared snapshot. After: they all finished already and
            // only ending the read transaction failed, which changes none of their answers.
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
