/// The first step of waiting on a slot: either its result is there, or the waiter gets a ticket in the store's line.
@usableFromInline
enum ReadyOrWaiter<Value: Sendable> {
    case ready(Result<Value, any Error>)
    /// The slot, the waiter's ticket, and whether a `holdingDispatch` scope is open in the context (only then
    /// can the waiting task be the one holding dispatch).
    case waiter(Slot<Value>, WaiterTicket, mayHoldDispatch: Bool)
}

extension ContextState {
    /// The slot's result if its batch has finished, or a ticket for a waiter on it. Every ticket it returns must end
    /// in ``BatchContext/suspend(on:ticket:)``, which registers or withdraws it.
    @inlinable
    mutating func check<Value>(_ slot: Slot<Value>) -> ReadyOrWaiter<Value> {
        if let result = slot.store.outcome.result(at: slot.index) { return .ready(result) }
        return .waiter(slot, slot.store.waiters.reserve(), mayHoldDispatch: holds > 0)
    }
}
