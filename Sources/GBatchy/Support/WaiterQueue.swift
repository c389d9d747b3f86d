/// A waiter's place in one ``WaiterQueue``, taken before the waiter suspends, so that its cancellation handler can
/// name it.
@usableFromInline
package struct WaiterTicket: Hashable, Sendable {
    /// The position of the waiter's entry since its queue was created.
    @usableFromInline let position: UInt64

    @inlinable
    init(position: UInt64) {
        self.position = position
    }
}

/// A first-in, first-out line of waiters (continuations, callbacks, jobs) with O(1) removal by ticket: the one waiter
/// queue of the batch stores, the promises, the pools and the SQLite connection threads.
///
/// A plain value: it lives in the state its owner guards with a lock, and it never resumes a waiter itself. Every
/// operation that takes waiters out returns them, and the owner resumes them once it has released its lock.
///
/// A cancellable wait takes two steps, because its cancellation handler needs the ticket before the continuation
/// exists:
/// 1. ``reserve()``, under the lock, before the cancellation handler is installed;
/// 2. ``register(_:for:)``, under the lock, in the continuation's closure.
///
/// The cancellation handler calls ``remove(_:)``, which returns the waiter to resume with `CancellationError` when it
/// is registered, and otherwise ends the ticket, so that ``register(_:for:)`` refuses it: that is how every wait
/// handles the race "cancelled before registered". A wait that does not need to suspend after all (what it waits for
/// arrived meanwhile) ends its ticket with ``withdraw(_:)``. Every reserved ticket ends in one of the three.
///
/// Storage: an array of entries and the index of the first live one. A ticket is the position of its entry, so
/// finding it is a subtraction; a removed entry stays as a tombstone until the front of the line passes it, and the
/// array drops its dead front once it is at least half of it. Every operation is O(1), amortised (``removeAll()``:
/// per waiter). The one exception is brief: while a ticket reserved at the front has not registered yet (its task is
/// between the two steps), ``popFirst()`` steps over it and the tombstones behind it.
@usableFromInline
package struct WaiterQueue<Waiter> {
    @usableFromInline
    enum Entry {
        /// A ticket whose waiter has not registered yet.
        case reserved
        case waiting(Waiter)
        /// Taken out, cancelled or withdrawn: a tombstone.
        case removed
    }

    /// The line, oldest first: `entries[i]` belongs to the ticket at position `base + i`.
    @usableFromInline var entries: [Entry] = []
    /// The index of the first entry that may not be removed.
    @usableFromInline var head = 0
    /// The position of `entries[0]` since the queue was created.
    @usableFromInline var base: UInt64 = 0
    /// The tickets reserved and not registered, withdrawn or removed yet.
    @usableFromInline var reservedCount = 0
    /// The number of registered waiters.
    @usableFromInline var waitingCount = 0

    /// Creates an empty queue.
    @inlinable
    package init() {}

    /// The number of registered waiters (reserved tickets do not count).
    @inlinable
    package var count: Int { waitingCount }

    /// Whether no waiter is registered (reserved tickets do not count).
    @inlinable
    package var isEmpty: Bool { waitingCount == 0 }

    /// Whether no waiter waits or is about to (no ticket is reserved either).
    @inlinable
    package var isIdle: Bool { waitingCount == 0 && reservedCount == 0 }

    /// Takes a place at the end of the line for a waiter that will register with ``register(_:for:)``.
    @inlinable
    package mutating func reserve() -> WaiterTicket {
        entries.append(.reserved)
        reservedCount += 1
        return WaiterTicket(position: base &+ UInt64(entries.count - 1))
    }

    /// Registers `waiter` in the place of `ticket`.
    ///
    /// - Returns: `false` when the ticket was removed first (its task was cancelled before it registered): the
    ///   queue does not keep the waiter, and the caller resumes it with `CancellationError`.
    @inlinable
    package mutating func register(_ waiter: Waiter, for ticket: WaiterTicket) -> Bool {
        guard let index = index(of: ticket), case .reserved = entries[index] else { return false }
        entries[index] = .waiting(waiter)
        reservedCount -= 1
        waitingCount += 1
        return true
    }

    /// Adds `waiter` at the end of the line at once: ``reserve()`` and ``register(_:for:)`` in one step, for a waiter
    /// that cannot be cancelled before it registers.
    @inlinable
    @discardableResult
    package mutating func append(_ waiter: Waiter) -> WaiterTicket {
        entries.append(.waiting(waiter))
        waitingCount += 1
        return WaiterTicket(position: base &+ UInt64(entries.count - 1))
    }

    /// Ends a reserved ticket whose waiter does not need to wait after all.
    ///
    /// - Returns: `false` when the ticket was removed first (its task was cancelled before it registered).
    @inlinable
    @discardableResult
    package mutating func withdraw(_ ticket: WaiterTicket) -> Bool {
        guard let index = index(of: ticket), case .reserved = entries[index] else { return false }
        entries[index] = .removed
        reservedCount -= 1
        dropDeadFront()
        return true
    }

    /// Removes the waiter of `ticket` from the line: what a cancellation handler calls.
    ///
    /// - Returns: The waiter, for the caller to resume, when it was registered and still in the line; `nil` when it
    ///   was taken out already, or when it has not registered yet, in which case ``register(_:for:)`` will refuse it.
    @inlinable
    package mutating func remove(_ ticket: WaiterTicket) -> Waiter? {
        guard let index = index(of: ticket) else { return nil }
        switch entries[index] {
        case .removed:
            return nil
        case .reserved:
            entries[index] = .removed
            reservedCount -= 1
            dropDeadFront()
            return nil
        case .waiting(let waiter):
            entries[index] = .removed
            waitingCount -= 1
            dropDeadFront()
            return waiter
        }
    }

    /// Removes and returns the registered waiter that has waited longest, or `nil` when none is registered.
    ///
    /// A reserved ticket ahead of it does not hold it back: its waiter checks, under the same lock, whether it still
    /// has to wait before it registers.
    @inlinable
    package mutating func popFirst() -> Waiter? {
        guard waitingCount > 0 else { return nil }
        for index in head..<entries.count {
            guard case .waiting(let waiter) = entries[index] else { continue }
            entries[index] = .removed
            waitingCount -= 1
            dropDeadFront()
            return waiter
        }
        return nil  // not reached: `waitingCount` counts the waiting entries
    }

    /// Removes and returns every registered waiter, in line order. Reserved tickets keep their place.
    @inlinable
    package mutating func removeAll() -> [Waiter] {
        var waiters: [Waiter] = []
        waiters.reserveCapacity(waitingCount)
        for index in head..<entries.count {
            guard case .waiting(let waiter) = entries[index] else { continue }
            waiters.append(waiter)
            if reservedCount > 0 { entries[index] = .removed }
        }
        waitingCount = 0
        if reservedCount == 0 { head = entries.count }
        dropDeadFront()
        return waiters
    }

    /// The index of the entry of `ticket`, or `nil` when it has left the array.
    @inlinable
    func index(of ticket: WaiterTicket) -> Int? {
        guard ticket.position >= base else { return nil }
        let offset = ticket.position - base
        guard offset < UInt64(entries.count) else { return nil }
        return Int(offset)
    }

    /// Moves `head` past the removed entries at the front, and drops them from the array once they are at least half
    /// of it (all of it: the storage is released, so a finished queue holds no memory).
    @inlinable
    mutating func dropDeadFront() {
        while head < entries.count, case .removed = entries[head] {
            head += 1
        }
        if head == entries.count {
            base &+= UInt64(head)
            entries = []
            head = 0
        } else if head >= 16 && head * 2 >= entries.count {
            base &+= UInt64(head)
            entries.removeFirst(head)
            head = 0
        }
    }
}

extension WaiterQueue: Sendable where Waiter: Sendable {}
extension WaiterQueue.Entry: Sendable where Waiter: Sendable {}
