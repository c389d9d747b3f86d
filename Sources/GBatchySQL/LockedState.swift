import Foundation

/// A small state struct behind a lock.
///
/// We use `NSLock` (a pthread mutex) rather than `Synchronization.Mutex` because on Linux `Mutex` is built on a
/// futex inside the uninstrumented standard library, which ThreadSanitizer cannot see: every access under a `Mutex`
/// shows up as a false data race in `swift test --sanitize=thread`.
///
/// `@unchecked Sendable` is sound because `state` is only read or written inside `withLock`, while `lock` is held,
/// and `State` itself is required to be `Sendable`.
final class LockedState<State: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
