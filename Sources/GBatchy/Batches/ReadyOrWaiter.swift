/// The first step of waiting on a slot: either its result is there, or the waiter gets an identifier.
@usableFromInline
enum ReadyOrWaiter<Value: Sendable> {
    case ready(Result<Value, any Error>)
    /// The slot, the waiter's identifier, and whether a `holdingDispatch` scope is open in the context (only then
    /// can the waiting task be the one holding dispatch).
    case waiter(Slot<Value>, UInt64, mayHoldDispatch: Bool)
}

extension ContextState {
    /// The slot's result if its batch has finished, or an identifier for a waiter on it.
    @inlinable
    mutating func check<Value>(_ slot: Slot<Value>) -> ReadyOrWaiter<Value> {
        if let result = slot.store.outcome.result(at: slot.index) { return .ready(result) }
        return .waiter(slot, makeWaiterID(), mayHoldDispatch: holds > 0)
    }
}
