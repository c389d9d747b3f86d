/// A table loader was declared with a filter or limit it cannot send; no statement was built or run.
///
/// Declaring a loader never throws: its first load checks the declaration, fails every key of the batch with this
/// error, and so does every later load (the declaration does not change).
///
/// ```swift
/// let hostile = db.groupLoader(Post.self, table: "posts", key: "author_id", where: "1); DROP TABLE posts; --")
/// do {
///     _ = try await hostile.load(1)
/// } catch let error as LoaderDefinitionError where error.code == .invalidFilter {
///     print(error)  // the filter "1); DROP TABLE posts; --" of "posts" is not one SQL expression: it contains ';' …
/// }
/// ```
///
/// `LoaderDefinitionError` is `Sendable`. New codes may be added later without breaking callers.
public struct LoaderDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the declaration.
    ///
    /// ```swift
    /// if error.code == .negativeLimit { print("a limit must be 0 or more") }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidFilter, unbindableFilterValue, negativeLimit, noPrimaryKey
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The `where:` filter is not one SQL expression with only `?` parameters, one per value: it holds a `;`, a
        /// comment, an unbalanced parenthesis or quote, a named or numbered parameter, a NUL character, or the
        /// wrong number of `?`.
        public static let invalidFilter = Code(.invalidFilter)
        /// A value of the filter cannot be stored (a `Date` outside the years 0000 to 9999).
        public static let unbindableFilterValue = Code(.unbindableFilterValue)
        /// The `limit:` is below 0.
        public static let negativeLimit = Code(.negativeLimit)
        /// A many-to-many loader's table has no single-column primary key for the join table's `to` column to match.
        public static let noPrimaryKey = Code(.noPrimaryKey)

        /// The code's name, such as `invalidFilter`.
        ///
        /// ```swift
        /// print(LoaderDefinitionError.Code.invalidFilter)  // invalidFilter
        /// ```
        public var description: String {
            switch base {
            case .invalidFilter: "invalidFilter"
            case .unbindableFilterValue: "unbindableFilterValue"
            case .negativeLimit: "negativeLimit"
            case .noPrimaryKey: "noPrimaryKey"
            }
        }
    }

    /// What is wrong.
    public let code: Code
    /// The table the loader reads.
    public let table: String
    /// The filter at fault, when the error is about the filter.
    public let filter: String?
    /// Why, in words.
    public let reason: String

    static func invalidFilter(_ filter: String, table: String, reason: String) -> LoaderDefinitionError {
        LoaderDefinitionError(code: .invalidFilter, table: table, filter: filter, reason: reason)
    }

    static func unbindableFilterValue(_ position: Int, filter: String, table: String, reason: String)
        -> LoaderDefinitionError
    {
        LoaderDefinitionError(
            code: .unbindableFilterValue,
            table: table,
            filter: filter,
            reason: "value \(position) cannot be bound: \(reason)"
        )
    }

    static func negativeLimit(_ limit: Int, table: String) -> LoaderDefinitionError {
        LoaderDefinitionError(code: .negativeLimit, table: table, filter: nil, reason: "limit \(limit) is below 0")
    }

    static func noPrimaryKey(table: String, through: String) -> LoaderDefinitionError {
        LoaderDefinitionError(
            code: .noPrimaryKey,
            table: table,
            filter: nil,
            reason: "it has no single-column primary key for the join table \(quoted(through)) to match"
        )
    }

    /// A sentence naming the table, the filter and what is wrong.
    ///
    /// ```swift
    /// print(error)  // the filter "status = ?" of "posts" is not one SQL expression: it has 1 '?' parameter(s) …
    /// ```
    public var description: String {
        let shownFilter = filter.map { "\"" + $0.replacingOccurrences(of: "\0", with: "\\0") + "\"" }
        switch code {
        case .invalidFilter:
            return "the filter \(shownFilter ?? "") of \(quoted(table)) is not one SQL expression: \(reason)"
        case .unbindableFilterValue:
            return "the filter \(shownFilter ?? "") of \(quoted(table)): \(reason)"
        default:
            return "the loader of \(quoted(table)) cannot be built: \(reason)"
        }
    }
}
