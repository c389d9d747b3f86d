/// How a table's key column compares values: from its declared type and collation.
struct KeyColumnInfo: Sendable, Equatable {
    /// Whether the column's collation is `BINARY`.
    let isBinary: Bool
    /// Whether the column's affinity (from its declared type) is `TEXT` or `BLOB`, which convert no text key to
    /// a number.
    let keepsText: Bool
}
