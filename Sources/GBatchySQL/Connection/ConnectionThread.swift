import Foundation
import GBatchy

/// A dedicated thread that owns one ``SQLiteSourceConnection`` and runs submitted jobs on it, one at a time, in FIFO order.
///
/// SQLite calls never run on Swift's cooperative thread pool: a task submits a synchronous closure and suspends on a
/// continuation until the thread has run it. A task cancelled while its job is still queued gets `CancellationError`
/// and the job never runs; a job that has started always completes.
///
/// `@unchecked Sendable` is sound because:
/// - every mutable stored property (`jobs`, `isShuttingDown`, `isFinished`, `finishWaiters`) is read and written only
///   while `condition` is locked;
/// - `connection` is touched only by the thread started in `init`. `init` hands it over before starting the thread
///   (`Thread.start()` orders the two), and the thread is the only code that uses it afterwards, closing it last.
final class ConnectionThread: @unchecked Sendable {
    /// A queued unit of work: each of its closures resumes the submitting task's continuation, so exactly one runs.
    struct Job: Sendable {
        /// Runs the work on the connection.
        let run: @Sendable (SQLiteSourceConnection) -> Void
        /// Fails the work without running it.
        let fail: @Sendable (any Error) -> Void
    }

    let role: QueryLog.Role
    private let path: String
    private let condition = NSCondition()
    private var connection: SQLiteSourceConnection?
    /// The jobs waiting for the thread, in submission order.
    private var jobs = WaiterQueue<Job>()
    private var isShuttingDown = false
    private var isFinished = false
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    init(connection: SQLiteSourceConnection, name: String) {
        self.connection = connection
        self.role = connection.role
        self.path = connection.path
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on this thread's connection and returns its result.
    ///
    /// - Parameters:
    ///   - cancellable: When `false`, the job runs even if the task is cancelled (used for COMMIT/ROLLBACK).
    ///   - body: The work; it runs on the connection's thread.
    /// - Throws: `CancellationError` if the task was cancelled before the job started, a closed-database
    ///   ``SQLiteSourceError`` after shutdown, or whatever `body` throws.
    func submit<T: Sendable>(
        cancellable: Bool = true,
        _ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T
    ) async throws -> T {
        let ticket = withCondition { jobs.reserve() }
        guard cancellable else {
            return try await enqueue(ticket, body)
        }
        return try await withTaskCancellationHandler {
            try await enqueue(ticket, body)
        } onCancel: {
            withCondition { jobs.remove(ticket) }?.fail(CancellationError())
        }
    }

    private func enqueue<T: Sendable>(
        _ ticket: WaiterTicket,
        _ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { connection in continuation.resume(with: Result { try body(connection) }) },
                fail: { error in continuation.resume(throwing: error) }
            )
            let refusal: (any Error)? = withCondition {
                // Refused when the cancellation handler removed the ticket first.
                guard jobs.register(job, for: ticket) else { return CancellationError() }
                if isShuttingDown {
                    _ = jobs.remove(ticket)
                    return SQLiteSourceError.databaseClosed(path: path)
                }
                condition.signal()
                return nil
            }
            if let refusal { continuation.resume(throwing: refusal) }
        }
    }

    /// Runs `body` while holding `condition`.
    private func withCondition<R>(_ body: () -> R) -> R {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// Lets queued jobs finish, then closes the connection and ends the thread; returns when that is done.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if isFinished {
                condition.unlock()
                continuation.resume()
                return
            }
            isShuttingDown = true
            finishWaiters.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }

    /// Starts a shutdown without waiting for it (used from `deinit`).
    func requestShutdown() {
        condition.lock()
        isShuttingDown = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isShuttingDown {
                condition.wait()
            }
            guard let job = jobs.popFirst() else {
                condition.unlock()
                break
            }
            condition.unlock()
            if let connection { job.run(connection) }
        }
        connection?.close()
        connection = nil
        condition.lock()
        isFinished = true
        let waiters = finishWaiters
        finishWaiters = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }
}
