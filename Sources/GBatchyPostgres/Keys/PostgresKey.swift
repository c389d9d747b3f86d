import Foundation
import PostgresNIO

/// A key type a PostgreSQL loader binds: `Int`, `Int64`, `Int32`, `Int16`, `String` and `UUID`.
///
/// A batch's keys are bound as one array parameter (`unnest($1)`), so one statement carries any number of keys. The
/// core loader tells keys apart by their ``postgresIdentity``, as PostgreSQL does: text keys byte for byte (Swift's
/// `==` equates canonically equivalent strings that PostgreSQL keeps apart), every other key by value.
///
/// ```swift
/// let byHandle: PostgresTableLoader<String, User> = pg.loader(User.self, table: "users", key: "handle")
/// ```
public protocol PostgresKey: Hashable, Sendable {
    /// How the core loader tells two keys apart: equal exactly when PostgreSQL's `=` on the key's own type is true.
    associatedtype PostgresIdentity: Hashable & Sendable
    /// The element type of the bound array.
    associatedtype PostgresElement: PostgresArrayEncodable & PostgresArrayDecodable & Sendable

    /// The key as the core loader tells keys apart.
    var postgresIdentity: PostgresIdentity { get }
    /// The value bound for the identity `identity`, or `nil` for a key no row can have (text containing NUL, which
    /// PostgreSQL's `text` cannot hold): such a key answers no row without being sent.
    static func postgresElement(_ identity: PostgresIdentity) -> PostgresElement?
    /// The identity of a key column value read back (a custom SQL loader matches rows to keys by it).
    static func postgresIdentity(of element: PostgresElement) -> PostgresIdentity
}

extension PostgresKey where PostgresIdentity == Self, PostgresElement == Self {
    /// The key itself.
    public var postgresIdentity: Self { self }
    /// The key itself: every value of the type can be bound.
    public static func postgresElement(_ identity: Self) -> Self? { identity }
    /// The value itself.
    public static func postgresIdentity(of element: Self) -> Self { element }
}

extension Int: PostgresKey {}
extension Int64: PostgresKey {}
extension Int32: PostgresKey {}
extension Int16: PostgresKey {}
extension UUID: PostgresKey {}

extension String: PostgresKey {
    /// The string's UTF-8 bytes: PostgreSQL's deterministic collations tell apart what Swift's `==` equates.
    public var postgresIdentity: PostgresTextKey { PostgresTextKey(self) }
    /// The text, or `nil` when it contains NUL, which no `text` value holds.
    public static func postgresElement(_ identity: PostgresTextKey) -> String? {
        identity.text.utf8.contains(0) ? nil : identity.text
    }
    /// The text read back.
    public static func postgresIdentity(of element: String) -> PostgresTextKey { PostgresTextKey(element) }
}

/// A text key as PostgreSQL tells text apart: byte for byte.
///
/// `"é"` (one scalar) and `"e\u{301}"` (two) are equal Swift strings and different `text` values: each key keeps
/// its own row.
public struct PostgresTextKey: Hashable, Sendable, CustomStringConvertible {
    /// The text.
    public let text: String

    /// Wraps `text`.
    ///
    /// - Parameter text: The key.
    public init(_ text: String) { self.text = text }

    /// Whether the two texts have the same UTF-8 bytes.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

    /// Hashes the UTF-8 bytes.
    public func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The text, quoted.
    public var description: String { String(reflecting: text) }
}

extension Optional: PostgresKey where Wrapped: PostgresKey {
    /// `nil`, or the wrapped key's identity.
    public var postgresIdentity: Wrapped.PostgresIdentity? { map(\.postgresIdentity) }
    /// The wrapped key's value; `nil` (which no row's key equals, as `= NULL` is never true) is not sent.
    public static func postgresElement(_ identity: Wrapped.PostgresIdentity?) -> Wrapped.PostgresElement? {
        identity.flatMap(Wrapped.postgresElement)
    }
    /// The identity of the value read back.
    public static func postgresIdentity(of element: Wrapped.PostgresElement) -> Wrapped.PostgresIdentity? {
        Wrapped.postgresIdentity(of: element)
    }
}
