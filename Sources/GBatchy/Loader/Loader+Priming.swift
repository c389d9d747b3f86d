extension Loader {
    /// Puts each value in the current context's cache for its key, unless the key is cached already, under one lock
    /// and in one store for all of them.
    ///
    /// Outside a context, or for a loader that does not cache, it does nothing.
    ///
    /// Inlinable, so that a caller that knows `Key` and `Value` (a table loader's priming, built where the loader is
    /// declared) fills the cache with code specialized for them.
    ///
    /// - Parameter pairs: The keys and their values; for a key given twice, the first value counts.
    @inlinable
    package func prime(contentsOf pairs: [(key: Key, value: Value)]) {
        guard caching, !pairs.isEmpty, let context = BatchContext.current else { return }
        context.state.withLock { state in state.queue(of: self, in: context).state.cache.prime(contentsOf: pairs) }
    }
}
