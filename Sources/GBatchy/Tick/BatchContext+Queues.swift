extension ContextState {
    /// The queue of `owner` in this context, created on first use.
    ///
    /// The queue is keyed by the identity of the owner's source, which the queue keeps alive, and its type is fixed
    /// by the owner's type, so the downcast is always right.
    @inlinable
    mutating func queue<Owner: QueueOwner>(of owner: Owner, in context: BatchContext) -> BatchQueue<Owner.Cache> {
        let source = owner.source
        let id = ObjectIdentifier(source)
        if let queue = queues[id] {
            return unsafeDowncast(queue, to: BatchQueue<Owner.Cache>.self)
        }
        let cache = owner.makeCache(expectedCount: source.tickSizeHint.value)
        let queue = BatchQueue(source: source, context: context, cache: cache)
        register(queue, for: id)
        return queue
    }

    /// The queue of `owner` in this context, or `nil` when the owner was never used in it.
    @inlinable
    func existingQueue<Owner: QueueOwner>(of owner: Owner) -> BatchQueue<Owner.Cache>? {
        // Keyed and typed as in `queue(of:in:)`.
        queues[ObjectIdentifier(owner.source)].map { unsafeDowncast($0, to: BatchQueue<Owner.Cache>.self) }
    }
}

extension BatchContext {
    /// The slot of `key` in `owner`'s queue, queuing the key if needed, checked for waiting: its result, or a waiter
    /// identifier to pass to `value(of:)`.
    ///
    /// Synchronous, so that `load` and a batch function's call await `value(of:)` directly,
    /// with no async frame in between.
    @inlinable
    func checkedSlot<Owner: QueueOwner>(
        for key: Owner.Cache.Key,
        in owner: Owner
    ) -> ReadyOrWaiter<Owner.Cache.Value> {
        let (check, wake) = state.withLock { state in
            let (slot, wake) = state.queue(of: owner, in: self).slot(for: key, in: &state)
            return (state.check(slot), wake)
        }
        if wake { scheduleDrain() }
        return check
    }

    /// The slot of `key` in `owner`'s queue, queuing the key if needed.
    @inlinable
    func slot<Owner: QueueOwner>(for key: Owner.Cache.Key, in owner: Owner) -> Slot<Owner.Cache.Value> {
        let (slot, wake) = state.withLock { state in
            let (slot, wake) = state.queue(of: owner, in: self).slot(for: key, in: &state)
            slot.store.pinned = true  // a future: it may be awaited later
            return (slot, wake)
        }
        if wake { scheduleDrain() }
        return slot
    }

    /// The slots of `keys` in `owner`'s queue, queuing them under one lock.
    @inlinable
    func slots<Owner: QueueOwner>(for keys: [Owner.Cache.Key], in owner: Owner) -> [Slot<Owner.Cache.Value>] {
        let (slots, wake) = state.withLock { state in
            let queue = state.queue(of: owner, in: self)
            var slots: [Slot<Owner.Cache.Value>] = []
            slots.reserveCapacity(keys.count)
            var wake = false
            for key in keys {
                let (slot, wakeForKey) = queue.slot(for: key, in: &state)
                slot.store.pinned = true  // awaited one batch after another
                slots.append(slot)
                wake = wake || wakeForKey
            }
            return (slots, wake)
        }
        if wake { scheduleDrain() }
        return slots
    }
}
