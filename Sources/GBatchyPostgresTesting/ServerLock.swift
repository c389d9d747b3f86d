import Foundation

/// A value behind a lock (`NSLock`, a pthread mutex, which ThreadSanitizer sees: the standard library's `Mutex`
/// locks with futexes on Linux, and ThreadSanitizer reports the accesses it guards as races).
///
/// `Sendable`: every access to the value goes through ``withLock(_:)``.
final class ServerLock<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    /// Runs `body` with the value, under the lock.
    func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
