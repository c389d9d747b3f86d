extension SQLiteSource {
    /// The reader pinned by ``withReadSnapshot(_:)`` for the current task and its child tasks.
    struct PinnedReader: Sendable {
        let database: ObjectIdentifier
        let reader: ConnectionThread
    }

    @TaskLocal static var pinnedReader: PinnedReader?

    /// Runs `body` with every read of this database pinned to one reader connection inside one read transaction,
    /// so that all of them see the same snapshot, even while writes commit concurrently.
    ///
    /// The transaction is `BEGIN` (deferred): the snapshot is taken at the first read made inside `body`. Reads made
    /// from child tasks of `body` use the same connection (they are serialized on its thread). The transaction ends
    /// and the connection returns to the pool when `body` returns or throws. Nested calls reuse the outer snapshot.
    /// An in-memory database has a single connection and no snapshot isolation: `body` just runs.
    ///
    /// - Parameter body: The work whose reads share a snapshot.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or an ``SQLiteSourceError``.
    package func withReadSnapshot<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try checkOpen()
        guard let readers else { return try await body() }
        if let pinned = Self.pinnedReader, pinned.database == ObjectIdentifier(self) {
            return try await body()
        }
        let reader = try await readers.acquire()
        defer { readers.release(reader) }
        try await reader.submit { connection in try connection.executeTransactionStatement("BEGIN DEFERRED") }
        let result: T
        do {
            result = try await Self.$pinnedReader.withValue(
                PinnedReader(database: ObjectIdentifier(self), reader: reader)
            ) {
                try await body()
            }
        } catch {
            try? await reader.submit(cancellable: false) { connection in connection.rollbackIfNeeded() }
            throw error
        }
        try await reader.submit(cancellable: false) { connection in
            do {
                try connection.executeTransactionStatement("COMMIT")
            } catch {
                connection.rollbackIfNeeded()
                throw error
            }
        }
        return result
    }
}
