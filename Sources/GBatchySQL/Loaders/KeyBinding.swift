/// How a table loader binds the keys of a batch.
///
/// A batch binds one JSON array for `json_each`, one statement whatever its size: `gbatchy-bench --keys` measured it
/// as fast as padded `IN` lists, padded `VALUES` lists and a temporary table at 1 to 300,000 keys (padding wastes
/// what a list saves, and a long `IN` list can turn SQLite to a full scan). A batch with a key JSON cannot carry
/// exactly (text containing NUL, a `Data` blob) binds one value per key instead, in a `VALUES` list
/// (``TableSource/Statement/valuesSQL(length:)``), which carries every value exactly.
enum KeyBinding {
    /// The lengths a `VALUES` list is padded to: each loader caches at most this many `VALUES` statements.
    static let paddedLengths = [1, 8, 64, 512, 4096]
    /// The most keys one `VALUES` statement binds; a longer batch runs in chunks (far below SQLite's 32,766
    /// parameters).
    static var longestLength: Int { paddedLengths[paddedLengths.count - 1] }

    /// The padded length that holds `count` keys (at most ``longestLength``).
    static func paddedLength(_ count: Int) -> Int {
        paddedLengths.first { $0 >= count } ?? longestLength
    }
}
