#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a ``BatchContext`` runs the jobs of its tasks: one at a time, or on several threads at once.
///
/// Both forms dispatch at the same moment, when every task of the context is blocked (no job queued, none running, the
/// current tick's batches answered), so they form the same batches with the same keys in the same ticks. What
/// ``parallel`` cannot keep is the order in which concurrently running tasks queue their keys, and so the order of
/// the keys inside a batch: a batch function that prints or records its keys in order sees the same set in another
/// order. Run such code (a test that compares key lists, the seed example) with ``serial``.
///
/// ```swift
/// let users = Loader<Int, String>(name: "users") { ids in ids.map { "user \($0)" } }
/// let names = try await withBatchContext(.parallel) {
///     try await pmap([1, 2, 3]) { try await users.load($0) }   // one batch of the keys 1, 2 and 3, in any order
/// }
/// let ordered = try await withBatchContext(.serial) {
///     try await pmap([1, 2, 3]) { try await users.load($0) }   // one batch: [1, 2, 3]
/// }
/// ```
///
/// The default, ``default``, is ``serial``; the environment variable `GBATCHY_EXECUTION` (`serial`, `parallel`, or
/// `parallel:N`) sets another for the process, read once, which runs a whole test suite in the other form.
public struct BatchExecution: Sendable, Hashable, CustomStringConvertible {
    /// The number of threads that run the context's jobs at once: 1 for ``serial``.
    public let threads: Int

    private init(threads: Int) { self.threads = threads }

    /// One job at a time, in the order they were queued, like gbatchy's greenlets: a batch's keys come in the order
    /// its callers queued them, and the context's synchronous work uses one core.
    public static let serial = BatchExecution(threads: 1)

    /// As many threads at once as the process may use cores (at least one).
    public static var parallel: BatchExecution { parallel(availableCores) }

    /// At most `threads` threads at once; `threads` below 1 counts as 1.
    ///
    /// ```swift
    /// let twoThreads = BatchExecution.parallel(2)
    /// ```
    ///
    /// - Parameter threads: The most jobs the context runs at once.
    /// - Returns: The execution.
    public static func parallel(_ threads: Int) -> BatchExecution {
        BatchExecution(threads: max(1, threads))
    }

    /// The execution of a context opened without one: ``serial``, or what `GBATCHY_EXECUTION` names.
    public static let `default`: BatchExecution = {
        guard let value = ProcessInfo.processInfo.environment["GBATCHY_EXECUTION"] else { return .serial }
        return BatchExecution(parsing: value) ?? .serial
    }()

    /// `serial`, `parallel` or `parallel(N)`.
    public var description: String {
        threads == 1 ? "serial" : "parallel(\(threads))"
    }

    /// Reads `serial`, `parallel` or `parallel:N`.
    init?(parsing value: String) {
        switch value {
        case "serial": self = .serial
        case "parallel": self = .parallel
        default:
            guard value.hasPrefix("parallel:"), let threads = Int(value.dropFirst("parallel:".count)), threads > 0
            else { return nil }
            self = .parallel(threads)
        }
    }

    /// The cores the process may use.
    private static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
