/// A table loader cannot answer a key: the row is missing, the key is ambiguous, or the key cannot be sent.
///
/// ```swift
/// do {
///     _ = try await users.loadRequired(7)
/// } catch let error as TableLoaderError where error.code == .notFound {
///     print(error)  // no row in "users" where "id" = 7
/// }
/// ```
///
/// `TableLoaderError` is `Sendable`. New codes may be added later without breaking callers.
public struct TableLoaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    ///
    /// ```swift
    /// if error.code == .duplicateKey { print("not a unique key:", error.column ?? "") }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notFound, duplicateKey, unsupportedKey, unreadableKey
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// `loadRequired` found no row for the key.
        public static let notFound = Code(.notFound)
        /// A single-row loader found more than one row for the key: the key column is not unique.
        public static let duplicateKey = Code(.duplicateKey)
        /// The key cannot be written as a JSON element exactly (text containing a NUL character, a blob): thrown by
        /// ``SQLiteKey/sqliteJSONElement()``. A table loader then binds the batch's keys one value each instead;
        /// a loader whose keys are JSON arrays (composite keys, pages) or a custom SQL loader fails that key alone with
        /// it, and answers the other keys of the batch.
        public static let unsupportedKey = Code(.unsupportedKey)
        /// A returned row came back without the position or the value of a key of the batch (the statement did not
        /// answer as the loader built it).
        public static let unreadableKey = Code(.unreadableKey)

        /// The code's name, such as `notFound`.
        ///
        /// ```swift
        /// print(TableLoaderError.Code.notFound)  // notFound
        /// ```
        public var description: String {
            switch base {
            case .notFound: "notFound"
            case .duplicateKey: "duplicateKey"
            case .unsupportedKey: "unsupportedKey"
            case .unreadableKey: "unreadableKey"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The table the loader reads, when known.
    public let table: String?
    /// The key column, when known.
    public let column: String?
    /// The key, as text (cut to 80 characters).
    public let key: String
    /// How many rows matched, for ``Code/duplicateKey``.
    public let rowCount: Int?

    @usableFromInline
    static func notFound(table: String, column: String, key: some Sendable) -> TableLoaderError {
        TableLoaderError(code: .notFound, table: table, column: column, key: shown(key), rowCount: nil)
    }

    @usableFromInline
    static func duplicateKey(table: String, column: String, key: some Sendable, rowCount: Int) -> TableLoaderError {
        TableLoaderError(code: .duplicateKey, table: table, column: column, key: shown(key), rowCount: rowCount)
    }

    static func unsupportedKey(_ key: some Sendable, table: String? = nil, column: String? = nil) -> TableLoaderError {
        TableLoaderError(code: .unsupportedKey, table: table, column: column, key: shown(key), rowCount: nil)
    }

    static func unreadableKey(_ value: SQLiteValue, table: String, column: String) -> TableLoaderError {
        TableLoaderError(code: .unreadableKey, table: table, column: column, key: "\(value)", rowCount: nil)
    }

    func located(table: String, column: String) -> TableLoaderError {
        TableLoaderError(code: code, table: table, column: column, key: key, rowCount: rowCount)
    }

    private static func shown(_ key: some Sendable) -> String {
        let text = String(reflecting: key).replacingOccurrences(of: "\0", with: "\\0")
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }

    /// A sentence naming the table, the key column and the key.
    ///
    /// ```swift
    /// print(error)  // no row in "users" where "id" = 7
    /// ```
    public var description: String {
        let where_ = "\(quoted(table ?? "?")) where \(quoted(column ?? "?"))"
        switch code {
        case .notFound:
            return "no row in \(where_) = \(key)"
        case .duplicateKey:
            return "\(rowCount ?? 0) rows in \(where_) = \(key); a single-row loader needs a unique key column"
        case .unsupportedKey:
            return "key \(key) for \(where_) cannot be written as JSON exactly (text containing a NUL character,"
                + " or a blob)"
        default:
            return "a row of \(where_) came back with key position or value \(key), which is not a key of the batch"
        }
    }
}
