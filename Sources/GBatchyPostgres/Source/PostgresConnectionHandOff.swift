import GBatchy
import PostgresNIO

/// The hand-off of one pooled connection from the child task that leases it to the task that uses it: see
/// ``PostgresSource/withConnection(_:role:sql:table:_:)``.
///
/// The lease is settled once: with the connection, with the pool's error, or with the wait limit's error, whichever
/// comes first; a connection that arrives after the limit goes back to the pool at once. The leasing task holds the
/// connection until ``giveBack()``.
///
/// `Sendable`: its state is behind locks.
final class PostgresConnectionHandOff: Sendable {
    private enum Lease: Sendable {
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        case settled(Result<PostgresConnection, any Error>)
    }

    private let lease = Locked(Lease.waiting(nil))
    private let back = Locked<(given: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Settles the lease with `result` unless it is settled already, and returns whether this call settled it.
    @discardableResult
    func settle(_ result: Result<PostgresConnection, any Error>) -> Bool {
        let (settled, waiter) = lease.withLock { lease -> (Bool, CheckedContinuation<PostgresConnection, any Error>?) in
            guard case .waiting(let waiter) = lease else { return (false, nil) }
            lease = .settled(result)
            return (true, waiter)
        }
        waiter?.resume(with: result)
        return settled
    }

    /// The leased connection, or the error that settled the lease. Called once, by the task that uses it.
    func connection() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            let settled = lease.withLock { lease -> Result<PostgresConnection, any Error>? in
                switch lease {
                case .waiting:
                    lease = .waiting(continuation)
                    return nil
                case .settled(let result):
                    return result
                }
            }
            if let settled { continuation.resume(with: settled) }
        }
    }

    /// Gives the connection back: the leasing task returns it to the pool.
    func giveBack() {
        let waiter = back.withLock { back in
            back.given = true
            defer { back.waiter = nil }
            return back.waiter
        }
        waiter?.resume()
    }

    /// Waits until ``giveBack()``; not cancellable, so the pool never gets back a connection still in use.
    func givenBack() async {
        await withCheckedContinuation { continuation in
            let given = back.withLock { back in
                if !back.given { back.waiter = continuation }
                return back.given
            }
            if given { continuation.resume() }
        }
    }
}
