/// The keys of one batch as sent: one JSON array, and where each of its elements comes from.
@usableFromInline
struct EncodedKeys: Sendable {
    /// The JSON array of the keys sent.
    @usableFromInline var json = ""
    /// The index in the batch of each element of the array.
    @usableFromInline var sent: [Int] = []
    /// By index in the batch, the keys that cannot be sent.
    @usableFromInline var failures: [Int: any Error] = [:]
    /// Whether every element is an integer (when classified).
    @usableFromInline var allIntegers = true
    /// Whether every element is a string (when classified).
    @usableFromInline var allText = true

    @inlinable
    init() {}

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
