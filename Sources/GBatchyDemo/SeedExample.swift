import GBatchy

/// The example of gbatchy's README, translated line for line.
///
/// ```python
/// @batched()
/// def batch_fn(arg_list): ...
///
/// @batch_context
/// def fetcher():
///     results = pget(batch_fn(i, as_future=True) for i in xrange(3))
///     print results
///
/// @batch_context
/// def test():
///     pget(spawn(fetcher) for i in xrange(2))
/// ```
enum SeedExample {
    static let batchFn = BatchFunction<Int, Int>(name: "batch_fn") { (args: [Int]) in
        print("In batch function with args:")
        var results: [Int] = []
        for arg in args {
            print("\t\(arg)")
            results.append(arg + 1)
        }
        print("Batch function done")
        return results
    }

    static func fetcher() async throws {
        let results = try await pget((0..<3).map { batchFn.future($0) })
        print(results)
    }

    static func test() async throws {
        try await withBatchContext {
            _ = try await pget((0..<2).map { _ in spawn { try await fetcher() } })
        }
    }
}
