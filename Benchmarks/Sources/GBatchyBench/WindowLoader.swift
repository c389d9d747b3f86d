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

/// A second 2 ms-window baseline, built the way GraphQLSwift/DataLoader's `AsyncDataLoader` is: the loader is an
/// actor, every load gets a promise that is an actor of its own and is awaited through a task that registers the
/// waiter, a detached task sleeps out the window, and the batch fulfils the promises one `await` at a time.
/// Written here from that design (not from its code), with caching off like the other C rows.
actor ActorWindowLoader<Key: Sendable, Value: Sendable> {
    private var queue: [(key: Key, promise: Promise)] = []
    private var isDispatchScheduled = false
    private let window: Duration
    private let batch: @Sendable ([Key]) async throws -> [Value]

    init(window: Duration = .milliseconds(2), batch: @escaping @Sendable ([Key]) async throws -> [Value]) {
        self.window = window
        self.batch = batch
    }

    func load(_ key: Key) async throws -> Value {
        let promise = Promise()
        queue.append((key, promise))
        if !isDispatchScheduled {
            isDispatchScheduled = true
            let window = window
            Task.detached {
                try await Task.sleep(for: window)
                await self.dispatch()
            }
        }
        return try await promise.value
    }

    private func dispatch() async {
        let pending = queue
        queue = []
        isDispatchScheduled = false
        do {
            let values = try await batch(pending.map(\.key))
            for (entry, value) in zip(pending, values) { await entry.promise.fulfil(.success(value)) }
        } catch {
            for entry in pending { await entry.promise.fulfil(.failure(error)) }
        }
    }

    /// One key's pending value: an actor, awaited through a task that registers the waiter.
    actor Promise {
        private var result: Result<Value, any Error>?
        private var waiters: [CheckedContinuation<Value, any Error>] = []

        func fulfil(_ result: Result<Value, any Error>) {
            self.result = result
            for waiter in waiters { waiter.resume(with: result) }
            waiters = []
        }

        private func wait(_ continuation: CheckedContinuation<Value, any Error>) {
            if let result { continuation.resume(with: result) } else { waiters.append(continuation) }
        }

        nonisolated var value: Value {
            get async throws {
                try await withCheckedThrowingContinuation { continuation in
                    Task { await self.wait(continuation) }
                }
            }
        }
    }
}
