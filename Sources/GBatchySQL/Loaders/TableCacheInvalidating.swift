/// A loader whose per-context cache a write can invalidate.
protocol TableCacheInvalidating: AnyObject, Sendable {
    /// Empties the loader's cache in the current context.
    func clearAll()
}
