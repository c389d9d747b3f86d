/// The rows of one batch as read, each with the index in the batch of the key it matched.
@usableFromInline
struct RowsRead<Row: Sendable>: Sendable {
    /// The rows decoded, in the order of the query.
    @usableFromInline var rows: [(index: Int, row: Row)] = []
    /// By index in the batch, the keys whose row (one of their rows) failed to decode, with the first such error.
    @usableFromInline var failures: [Int: any Error] = [:]
    /// Whether a row's key column did not read back as a key of the batch (the ordered form only): the rows are then
    /// incomplete, and the batch must be read with the join.
    @usableFromInline var isUnmatched = false

    @inlinable
    init() {}
}
