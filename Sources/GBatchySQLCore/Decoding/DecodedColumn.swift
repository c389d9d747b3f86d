/// A column that `T.init(from:)` asks for, and whether it may be absent.
@usableFromInline
package struct DecodedColumn: Sendable, Hashable {
    /// The column name (the coding key's string value).
    package let name: String
    /// Whether every request for the column went through `decodeIfPresent`, `decodeNil` or `contains`: a row
    /// without the column then decodes the field as `nil`.
    package let isOptional: Bool

    /// Creates a column.
    ///
    /// - Parameters:
    ///   - name: The column name.
    ///   - isOptional: Whether a row without it decodes the field as `nil`.
    package init(name: String, isOptional: Bool) {
        self.name = name
        self.isOptional = isOptional
    }
}
