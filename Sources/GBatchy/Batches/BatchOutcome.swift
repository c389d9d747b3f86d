/// What a finished batch produced.
@usableFromInline
enum BatchOutcome<Value: Sendable>: Sendable {
    /// The batch has not finished yet.
    case pending
    /// One value per key, all successful: the common case, stored without wrapping each value.
    case values([Value])
    /// One result per key.
    case results([Result<Value, any Error>])
    /// The batch function threw: every key failed with this error.
    case failed(any Error)

    /// The result at `index`, or `nil` while the batch is pending.
    @inlinable
    func result(at index: Int) -> Result<Value, any Error>? {
        switch self {
        case .pending: nil
        case .values(let values): .success(values[index])
        case .results(let results): results[index]
        case .failed(let error): .failure(error)
        }
    }

    @inlinable
    var isPending: Bool {
        if case .pending = self { return true }
        return false
    }
}

extension BatchOutcome {
    /// The outcome of a batch function that returned `values` for `keyCount` keys.
    @inlinable
    static func checking(_ values: [Value], keyCount: Int, loader: String) -> BatchOutcome {
        guard values.count == keyCount else {
            return .failed(BatchError.wrongResultCount(loader: loader, expected: keyCount, actual: values.count))
        }
        return .values(values)
    }

    /// The outcome of a batch function that returned `results` for `keyCount` keys.
    @inlinable
    static func checking(_ results: [Result<Value, any Error>], keyCount: Int, loader: String) -> BatchOutcome {
        guard results.count == keyCount else {
            return .failed(BatchError.wrongResultCount(loader: loader, expected: keyCount, actual: results.count))
        }
        return .results(results)
    }
}
