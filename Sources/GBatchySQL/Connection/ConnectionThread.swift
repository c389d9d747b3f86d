import Foundation

/// A dedicated thread that owns one ``SQLiteSourceConnection`` and runs submitted jobs on it, one at a time, in FIFO order.
///
/// SQLite calls never run on Swift's cooperative thread pool: a task submits a synchronous closure and suspends on a
/// continuation until the thread has run it. A task cancelled while its job is still queued gets `CancellationError`
/// and the job never runs; a job that has started always completes.
///
/// `@unchecked Sendable` is sound because:
/// - every mutable stored property (`queue`, `isShuttingDown`, `isFinished`, `finishWaiters`, and the `state`,
///   `run` and `fail` of every queued ``Job``) is read and written only while `condition` is locked;
/// - `connection` is touched only by the thread started in `init`. `init` hands it over before starting the thread
///   (`Thread.start()` orders the two), and the thread is the only code that uses it afterwards, closing it last.
final class ConnectionThread: @unchecked Sendable {
    /// A queued unit of work. `@unchecked Sendable`: all its mutable state is guarded by the owning thread's
    /// `condition` (see ``ConnectionThread``).
    final class Job: @unchecked Sendable {
        enum State { case created, queued, running, cancelled }
        var state = State.created
        var run: ((SQLiteSourceConnection) -> Void)?
        var fail: ((any Error) -> Void)?
    }

    let role: QueryLog.Role
    private let path: String
    private let condition = NSCondition()
    private var connection: SQLiteSourceConnection?
    private var queue: [Job] = []
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
        let job = Job()
        guard cancellable else {
            return try await enqueue(job, body)
        }
        return try await withTaskCancellationHandler {
            try await enqueue(job, body)
        } onCancel: {
            condition.lock()
            var fail: ((any Error) -> Void)?
            switch job.state {
            case .created:
                job.state = .cancelled
            case .queued:
                job.state = .cancelled
                queue.removeAll { $0 === job }
                fail = job.fail
                job.run = nil
                job.fail = nil
            case .running, .cancelled:
                break
            }
            condition.unlock()
            fail?(CancellationError())
        }
    }

    private func enqueue<T: Sendable>(
        _ job: Job,
        _ body: @escaping @Sendable (SQLiteSourceConnection) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            if job.state == .cancelled {
                condition.unlock()
                continuation.resume(throwing: CancellationError())
                return
            }
            if isShuttingDown {
                condition.unlock()
                continuation.resume(throwing: SQLiteSourceError.databaseClosed(path: path))
                return
            }
            job.run = { connection in continuation.resume(with: Result { try body(connection) }) }
            job.fail = { error in continuation.resume(throwing: error) }
            job.state = .queued
            queue.append(job)
            condition.signal()
            condition.unlock()
        }
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
            while queue.isEmpty && !isShuttingDown {
                condition.wait()
            }
            if queue.isEmpty {
                condition.unlock()
                break
            }
            let job = queue.removeFirst()
            job.state = .running
            let run = job.run
            job.run = nil
            job.fail = nil
            condition.unlock()
            if let connection { run?(connection) }
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
