/// What a ``Loader`` or a ``BatchFunction`` runs for one batch: its name, its limit, its batch function and where its
/// batches run.
///
/// Each loader and batch function owns one, and every context's queue of it (``BatchQueue``) runs its batches here,
/// so that the two public types share one queue and one batch runner.
@usableFromInline
final class BatchSource<Key: Sendable, Value: Sendable>: Sendable {
    /// The name of the loader or batch function, for errors and statistics.
    @usableFromInline let name: String
    /// The most keys one batch holds; `nil` for no limit, below 1 to fail every batch.
    @usableFromInline let maxBatchSize: Int?
    /// The group whose batches run together in each tick, such as one database's queries.
    @usableFromInline let dispatchGroup: (any BatchDispatchGroup)?
    @usableFromInline let body: Body
    /// The size of the last tick, in any context: a new context sizes its tables for it.
    @usableFromInline let tickSizeHint = TickSizeHint()

    /// The batch function, by the shape of its answer.
    @usableFromInline
    enum Body: Sendable {
        /// One value per key, in key order.
        case values(@Sendable ([Key]) async throws -> [Value])
        /// One result per key, in key order.
        case results(@Sendable ([Key]) async throws -> [Result<Value, any Error>])
    }

    init(name: String, maxBatchSize: Int?, dispatchGroup: (any BatchDispatchGroup)?, body: Body) {
        self.name = name
        self.maxBatchSize = maxBatchSize
        self.dispatchGroup = dispatchGroup
        self.body = body
    }

    /// Runs the batch function on `keys` and checks its answer.
    @inlinable
    func run(_ keys: [Key]) async -> BatchOutcome<Value> {
        if let maxBatchSize, maxBatchSize < 1 {
            return .failed(BatchError.invalidMaxBatchSize(loader: name, value: maxBatchSize))
        }
        do {
            switch body {
            case .values(let batch):
                return .checking(try await batch(keys), keyCount: keys.count, loader: name)
            case .results(let batch):
                return .checking(try await batch(keys), keyCount: keys.count, loader: name)
            }
        } catch {
            return .failed(error)
        }
    }
}
