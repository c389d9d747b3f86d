/// The keys of one batch as sent: one JSON array or one value per key, and where each of them comes from.
@usableFromInline
struct EncodedKeys: Sendable {
    /// The JSON array of the keys sent, when ``values`` is `nil`.
    @usableFromInline var json = ""
    /// The keys sent, one value each (a ``SQLiteMultiValueKey`` several), when the batch binds them one by one.
    @usableFromInline var values: [SQLiteValue]?
    /// The index in the batch of each element of the array.
    @usableFromInline var sent: [Int] = []
    /// By index in the batch, the keys that cannot be sent (a key JSON cannot carry is bound as a value instead, where
    /// the statement has a form that binds one value per key).
    @usableFromInline var failures: [Int: any Error] = [:]
    /// Whether every element is an integer (when classified).
    @usableFromInline var allIntegers = true
    /// Whether every element is a string (when classified).
    @usableFromInline var allText = true

    @inlinable
    init() {}

    /// Sends `key`, the key at `index` in the batch, as its value (its values, for a ``SQLiteMultiValueKey``),
    /// unless one is `NULL`, which matches no row.
    @inlinable
    mutating func bind<Key: SQLiteKey>(_ key: Key, of index: Int) {
        if let key = key as? any SQLiteMultiValueKey {
            let row = key.sqliteValues
            guard !row.contains(.null) else { return }
            values?.append(contentsOf: row)
        } else {
            let value = key.sqliteValue
            if case .null = value { return }
            values?.append(value)
        }
        sent.append(index)
    }

    /// Notes whether `element` is an integer or a string.
    @inlinable
    mutating func classify(_ element: String) {
        let utf8 = element.utf8
        if utf8.first != UInt8(ascii: "\"") { allText = false }
        if allIntegers,
            !utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        {
            allIntegers = false
        }
    }
}
