import Foundation

/// Where a page ends: an opaque cursor to pass as `after` for the next page.
///
/// A cursor holds the values its row has in the loader's `orderBy` column and in the table's primary key (the
/// tie-break, so that rows with equal `orderBy` values are neither repeated nor skipped), as a base64url string of a
/// JSON array. Keep it as text with ``description`` (a GraphQL `endCursor`) and read it back with ``init(_:)``, which
/// throws ``PageLoaderError`` for text that is no cursor. A cursor from another loader, or from before a schema
/// change that altered the primary key, fails its key with ``PageLoaderError/Code/malformedCursor``.
///
/// ```swift
/// let page = try await postsPage.load(7, first: 10)
/// let next = try await postsPage.load(7, first: 10, after: page.endCursor)
/// let text = page.endCursor?.description          // "WzEwLDEwXQ"
/// let again = try PageCursor(text ?? "")           // the same cursor
/// ```
///
/// `PageCursor` is a `Sendable` value.
public struct PageCursor: Hashable, Sendable, CustomStringConvertible {
    /// The JSON array of the row's values, exactly as sent to the database.
    package let json: String
    /// How many values the array holds.
    package let width: Int

    /// A cursor of `width` values, `json` their JSON array.
    package init(json: String, width: Int) {
        self.json = json
        self.width = width
    }

    /// Reads a cursor from its text.
    ///
    /// ```swift
    /// let cursor = try PageCursor("WzEwLDEwXQ")
    /// ```
    ///
    /// - Parameter text: A cursor's ``description``.
    /// - Throws: ``PageLoaderError`` with ``PageLoaderError/Code/malformedCursor`` when the text is not base64url of a
    ///   JSON array of numbers, strings and nulls.
    public init(_ text: String) throws {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard text.utf8.count <= 65_536, !text.contains("="), let data = Data(base64Encoded: base64),
            let json = String(data: data, encoding: .utf8),
            let array = try? JSONSerialization.jsonObject(with: data) as? [Any], !array.isEmpty,
            array.allSatisfy({ $0 is NSNumber || $0 is String || $0 is NSNull }),
            !json.contains("\\u0000")
        else {
            throw PageLoaderError.malformedCursor(text)
        }
        self.init(json: json, width: array.count)
    }

    /// The cursor as text: base64url without padding.
    public var description: String {
        Data(json.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
