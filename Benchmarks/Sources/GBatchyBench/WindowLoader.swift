import Synchronization

/// The baseline of C1b: a loader that dispatches its batch after a fixed window, as GraphQLSwift/DataLoader does by
/// default (2 ms). Written here, in the benchmark, so that both are measured in the same run.
final class WindowLoader<Key: Sendable, Value: Sendable>: Sendable {
    private struct State {
        var keys: [Key] = []
        var waiters: [UnsafeContinuation<Value, any Error>] = []
    }

    private let window: Duration
    private let batch: @Sendable ([Key]) async throws -> [Value]
    private let state = Mutex(State())

    init(window: Duration = .milliseconds(2), batch: @escaping @Sendable ([Key]) async throws -> [Value]) {
        self.window = window
        self.batch = batch
    }

    func load(_ key: Key) async throws -> Value {
        try await withUnsafeThrowingContinuation { continuation in
            let first = state.withLock { state in
                state.keys.append(key)
                state.waiters.append(continuation)
                return state.keys.count == 1
            }
            if first {
                Task {
                    try? await Task.sleep(for: window)
                    await dispatch()
                }
            }
        }
    }

    private func dispatch() async {
        let (keys, waiters) = state.withLock { state in
            defer { state = State() }
            return (state.keys, state.waiters)
        }
        do {
            let values = try await batch(keys)
            for (waiter, value) in zip(waiters, values) { waiter.resume(returning: value) }
        } catch {
            for waiter in waiters { waiter.resume(throwing: error) }
        }
    }
}
