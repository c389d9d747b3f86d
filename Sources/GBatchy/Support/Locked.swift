#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A state value behind a pthread mutex: the lock of every context, pool and promise, and of the SQLite adapter.
///
/// Not `Synchronization.Mutex`: on Linux `Mutex` parks on a futex inside the uninstrumented standard library, so
/// ThreadSanitizer cannot see it and reports every access it guards as a race. A pthread mutex costs the same when
/// uncontended and is understood by the sanitizer, so `swift test --sanitize=thread` stays meaningful.
///
/// `Sendable` when `State` is: `state` is read and written only inside ``withLock(_:)``, while `mutex` is held, and the
/// mutex lives in its own allocation, so its address never moves. The lock orders the accesses but does not make the
/// state itself safe to share: a value moved in or out of ``withLock(_:)`` crosses threads, so it must be `Sendable`.
/// A state that is not (the context's, which holds its loaders' queues) says why it is safe where it is declared.
@usableFromInline
package final class Locked<State> {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @exclusivity(unchecked) @usableFromInline var state: State

    @inlinable
    package init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(mutex, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    @inlinable
    package func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}

/// The conformance the compiler cannot check: a class with a mutable field. ``Locked/withLock(_:)`` serializes every
/// access to it.
extension Locked: @unchecked Sendable where State: Sendable {}
