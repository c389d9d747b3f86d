import Synchronization

/// The number of keys the last tick of a loader or batch function queued, in any context: a new context sizes its
/// tables for it.
///
/// Capped at 1024 keys, so that a context opened after one huge tick reserves at most about 50 KB per loader or batch
/// function.
@usableFromInline
struct TickSizeHint: ~Copyable, Sendable {
    @usableFromInline let lastTickSize = Atomic<Int>(0)

    @inlinable
    init() {}

    @inlinable
    var value: Int { lastTickSize.load(ordering: .relaxed) }

    /// Records a tick of `count` keys, and returns the hint it leaves.
    @inlinable
    func record(_ count: Int) -> Int {
        let hint = Swift.min(count, 1024)
        lastTickSize.store(hint, ordering: .relaxed)
        return hint
    }
}
