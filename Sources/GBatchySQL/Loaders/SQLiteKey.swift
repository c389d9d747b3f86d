import Foundation

/// A value that can key a table loader: it is sent to SQLite inside a JSON array, or bound as itself, and compared by
/// SQLite.
///
/// A table loader binds the distinct keys of a batch as one JSON array and joins it with the table,
/// `FROM main.json_each(?) AS "k" JOIN "users" AS "t" ON "t"."handle" = +"k"."value"`, so the statement is the same
/// for any number of keys. Each key writes itself as one element of that array (``sqliteJSONElement()``); a batch
/// with a key JSON cannot carry exactly (text containing NUL, a `Data` blob) binds each key's
/// ``SQLiteBindable/sqliteValue`` instead, in a `VALUES` list, so every key is sent exactly. Each row
/// comes back with the position of the key it matched, so a key gets exactly the rows the database's own comparison
/// (the column's collation and affinity) matches for it. Within a batch and in the context's cache, keys are told
/// apart as SQLite sees them (``sqliteIdentity``): byte-wise for text, never by Swift's canonical equivalence.
///
/// The library provides `Int`, `Int64`, `String`, `UUID` (uppercase `uuidString` text, the database's convention),
/// `Data` (a blob, matching `BLOB` values byte for byte) and `Optional` of any of them, where `nil` never matches a row: loading `nil` answers `nil` (or `[]`) without any
/// query. Conforming types are `Sendable` and `Hashable`.
///
/// ```swift
/// let byHandle: TableLoader<String, User> = db.loader(User.self, table: "users", key: "handle")
/// let byMentor: TableLoader<Int?, Author> = db.loader(Author.self, table: "authors", key: "id")
/// let user = try await byHandle.load("alice")
/// ```
public protocol SQLiteKey: Hashable, Sendable, SQLiteBindable {
    /// The key as one element of a JSON array, or `nil` for a key that never matches (SQL `NULL`).
    ///
    /// Numbers are written as JSON numbers and text as JSON strings, escaped so that `json_each` yields exactly the
    /// key.
    ///
    /// ```swift
    /// try "a\"b".sqliteJSONElement()  // "\"a\\\"b\""
    /// ```
    ///
    /// - Returns: The JSON text of the element, or `nil`.
    /// - Throws: ``TableLoaderError`` with ``TableLoaderError/Code/unsupportedKey`` for a key SQLite's JSON functions
    ///   cannot carry exactly (text containing a NUL character, a blob): a table loader then binds the batch's keys
    ///   one value each (``SQLiteBindable/sqliteValue``), and the key is still sent exactly.
    func sqliteJSONElement() throws -> String?

    /// Reads a key from a column value, or fails when the value cannot be this key type.
    ///
    /// ```swift
    /// let id = Int(sqliteKeyValue: .integer(7))  // 7
    /// ```
    ///
    /// - Parameter sqliteKeyValue: A key column's value.
    init?(sqliteKeyValue: SQLiteValue)

    /// The key as table loaders tell keys apart, in a batch and in the context's cache: `Self` (the default) for keys
    /// whose `==` is SQLite's, ``SQLiteTextKey`` for `String`, whose `==` equates canonically equivalent strings that
    /// SQLite tells apart.
    associatedtype SQLiteIdentity: SQLiteKey = Self

    /// The key as table loaders tell keys apart.
    ///
    /// ```swift
    /// "\u{E9}".sqliteIdentity == "e\u{301}".sqliteIdentity  // false, though "\u{E9}" == "e\u{301}"
    /// ```
    var sqliteIdentity: SQLiteIdentity { get }
}

extension SQLiteKey where SQLiteIdentity == Self {
    /// The key itself.
    ///
    /// ```swift
    /// 7.sqliteIdentity  // 7
    /// ```
    @inlinable
    public var sqliteIdentity: Self { self }
}

extension Int: SQLiteKey {
    /// The integer as a JSON number.
    ///
    /// ```swift
    /// try 7.sqliteJSONElement()  // "7"
    /// ```
    ///
    /// - Returns: The decimal digits.
    public func sqliteJSONElement() throws -> String? { String(self) }

    /// Reads an `INTEGER`, or a `REAL` or `TEXT` holding exactly an integer.
    ///
    /// ```swift
    /// let id = Int(sqliteKeyValue: .integer(7))  // 7
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        guard let value = Int64(sqliteKeyValue: sqliteKeyValue) else { return nil }
        self.init(exactly: value)
    }
}

extension Int64: SQLiteKey {
    /// The integer as a JSON number.
    ///
    /// ```swift
    /// try Int64(7).sqliteJSONElement()  // "7"
    /// ```
    ///
    /// - Returns: The decimal digits.
    public func sqliteJSONElement() throws -> String? { String(self) }

    /// Reads an `INTEGER`, or a `REAL` or `TEXT` holding exactly an integer.
    ///
    /// ```swift
    /// let id = Int64(sqliteKeyValue: .integer(7))  // 7
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        switch sqliteKeyValue {
        case .integer(let value): self = value
        case .real(let value):
            guard let exact = Int64(exactly: value) else { return nil }
            self = exact
        case .text(let text):
            guard let exact = Int64(text) else { return nil }
            self = exact
        case .blob, .null: return nil
        }
    }
}

extension String: SQLiteKey {
    /// The string as a JSON string: quotes, backslashes and control characters escaped.
    ///
    /// ```swift
    /// try "zoë".sqliteJSONElement()  // "\"zoë\""
    /// ```
    ///
    /// - Returns: The quoted, escaped JSON string.
    /// - Throws: ``TableLoaderError`` (``TableLoaderError/Code/unsupportedKey``) when the string contains a NUL
    ///   character: SQLite 3.40's `json_each` ends a string at `\u0000`, so a table loader binds the batch's keys one
    ///   value each instead.
    public func sqliteJSONElement() throws -> String? {
        var json = "\""
        json.reserveCapacity(utf8.count + 2)
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\0": throw TableLoaderError.unsupportedKey(self)
            case _ where scalar.value < 0x20:
                json += "\\u00"
                json += scalar.value < 0x10 ? "0" : ""
                json += String(scalar.value, radix: 16, uppercase: true)
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
        return json
    }

    /// The string as SQLite compares it: by its UTF-8 bytes.
    ///
    /// ```swift
    /// "\u{E9}".sqliteIdentity == "e\u{301}".sqliteIdentity  // false
    /// ```
    @inlinable
    public var sqliteIdentity: SQLiteTextKey { SQLiteTextKey(self) }

    /// Reads `TEXT`, or an integer or real number as its decimal text.
    ///
    /// ```swift
    /// let handle = String(sqliteKeyValue: .text("alice"))  // "alice"
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        switch sqliteKeyValue {
        case .text(let text): self = text
        case .integer(let value): self = String(value)
        case .real(let value): self = String(value)
        case .blob, .null: return nil
        }
    }
}

extension UUID: SQLiteKey {
    /// The UUID as a JSON string of its uppercase `uuidString`, the form the library stores.
    ///
    /// ```swift
    /// try UUID().sqliteJSONElement()  // "\"E621E1F8-C36C-495A-93FC-0C247A3E6E5F\""
    /// ```
    ///
    /// - Returns: The quoted UUID text.
    public func sqliteJSONElement() throws -> String? { "\"\(uuidString)\"" }

    /// Reads UUID text in any case, or a 16-byte blob.
    ///
    /// ```swift
    /// let uuid = UUID(sqliteKeyValue: .text("E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        switch sqliteKeyValue {
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else { return nil }
            self = uuid
        case .blob(let data) where data.count == 16:
            let bytes = [UInt8](data)
            self = UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                )
            )
        default: return nil
        }
    }
}

extension Data: SQLiteKey {
    /// Always throws: JSON has no blobs, so a table loader binds a batch with a `Data` key one value per key.
    ///
    /// - Throws: ``TableLoaderError`` (``TableLoaderError/Code/unsupportedKey``).
    public func sqliteJSONElement() throws -> String? { throw TableLoaderError.unsupportedKey(self) }

    /// Reads a blob; any other value fails (a blob key never equals text, as SQLite compares them).
    ///
    /// ```swift
    /// let digest = Data(sqliteKeyValue: .blob(Data([0, 1])))  // 2 bytes
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        guard case .blob(let data) = sqliteKeyValue else { return nil }
        self = data
    }
}

extension Optional: SQLiteKey where Wrapped: SQLiteKey {
    /// The wrapped key's element, or `nil` for `nil`, which never matches a row and is not sent to SQLite.
    ///
    /// ```swift
    /// let mentor: Int? = nil
    /// try mentor.sqliteJSONElement()  // nil
    /// ```
    ///
    /// - Returns: The wrapped key's JSON element, or `nil`.
    /// - Throws: What the wrapped key throws.
    public func sqliteJSONElement() throws -> String? {
        guard let wrapped = self else { return nil }
        return try wrapped.sqliteJSONElement()
    }

    /// `nil`, or the wrapped key's identity.
    ///
    /// ```swift
    /// let handle: String? = "ann"
    /// handle.sqliteIdentity  // Optional(SQLiteTextKey("ann"))
    /// ```
    @inlinable
    public var sqliteIdentity: Wrapped.SQLiteIdentity? { self.map(\.sqliteIdentity) }

    /// Reads the wrapped key from the value; a value the wrapped type cannot read (including `NULL`) fails.
    ///
    /// ```swift
    /// let id = Int?(sqliteKeyValue: .integer(7))  // Optional(Optional(7))
    /// ```
    ///
    /// - Parameter sqliteKeyValue: The key column's value.
    public init?(sqliteKeyValue: SQLiteValue) {
        guard let wrapped = Wrapped(sqliteKeyValue: sqliteKeyValue) else { return nil }
        self = .some(wrapped)
    }
}
