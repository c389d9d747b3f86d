/// How a table loader binds the keys of a batch.
///
/// A batch binds one JSON array for `json_each`, one statement whatever its size: `gbatchy-bench --keys` measured it
/// as fast as padded `IN` lists, padded `VALUES` lists and a temporary table at 1 to 300,000 keys (padding wastes
/// what a list saves, and a long `IN` list can turn SQLite to a full scan). A batch with a key JSON cannot carry
/// exactly (text containing NUL, a `Data` blob) binds one value per key instead, in a `VALUES` list
/// (``TableSource/Statement/valuesSQL(length:)``), which carries every value exactly: one column per key, or per
/// part of a composite key, and for a page request its key and the JSON rest of the request.
enum KeyBinding {
    /// The lengths a `VALUES` list is padded to: each loader caches at most this many `VALUES` statements.
    static let paddedLengths = [1, 8, 64, 512, 4096]
    /// The most keys one `VALUES` statement binds when each key takes `width` values (a composite key's parts): the
    /// longest padded length whose parameters stay far below SQLite's 32,766; a longer batch runs in chunks.
    static func longestLength(width: Int) -> Int {
        paddedLengths.last { $0 * width <= 16_384 } ?? 1
    }

    /// The padded length that holds `count` keys of `width` values each (at most ``longestLength(width:)``).
    static func paddedLength(_ count: Int, width: Int) -> Int {
        let longest = longestLength(width: width)
        return paddedLengths.first { $0 >= count && $0 <= longest } ?? longest
    }

    /// `values`, `width` per key for `keyCount` keys, cut into the `VALUES` statements that bind them: each chunk's
    /// keys (their range in the batch), its padded length, and its values padded with `NULL` (which matches no row)
    /// to that length.
    static func chunks(
        of values: [SQLiteValue],
        keyCount: Int,
        width: Int
    ) -> [(keys: Range<Int>, length: Int, bound: [SQLiteValue])] {
        var chunks: [(keys: Range<Int>, length: Int, bound: [SQLiteValue])] = []
        var start = 0
        while start < keyCount {
            let end = min(start + longestLength(width: width), keyCount)
            let length = paddedLength(end - start, width: width)
            var bound = Array(values[start * width..<end * width])
            bound.append(contentsOf: repeatElement(.null, count: (length - (end - start)) * width))
            chunks.append((start..<end, length, bound))
            start = end
        }
        return chunks
    }
}
