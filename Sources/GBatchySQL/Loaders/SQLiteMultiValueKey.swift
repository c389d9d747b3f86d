/// A key that a batch bound one row of values per key (``TableSource/Statement/ValuesForm``) binds as several
/// values, one per column of the keys' table: a composite key's parts, a page request's key and the rest of the
/// request.
///
/// Such a key's ``SQLiteKey/sqliteValue`` is its JSON array, which cannot carry a part that is text containing NUL
/// or a blob; these values carry every part exactly.
@usableFromInline
protocol SQLiteMultiValueKey: SQLiteKey {
    /// The values bound for this key, in the order of the `VALUES` form's columns after the key's position. A
    /// `NULL` among them matches no row: the key is not sent.
    var sqliteValues: [SQLiteValue] { get }
}

extension SQLiteCompositeKey: SQLiteMultiValueKey {
    /// Each part's value, in the order of the key columns.
    @usableFromInline var sqliteValues: [SQLiteValue] { parts.map(\.sqliteValue) }
}

extension PageKey: SQLiteMultiValueKey {
    /// The key's value, then the request as the JSON array `[null, first, cursor or null]`, which the page statement
    /// reads as it reads the JSON form's `[key, first, cursor]`.
    @usableFromInline var sqliteValues: [SQLiteValue] {
        [key.sqliteValue, .text("[null,\(first),\(after?.json ?? "null")]")]
    }
}
