import Foundation
import GBatchyCSQLite

/// Chooses, once per query, how rows are turned into `T`.
enum RowDecoding {
    static func decoder<T: Decodable>(for type: T.Type) -> (SQLiteStatement) throws -> T {
        if let readable = T.self as? any SQLiteColumnReadable.Type {
            // A plain value (`as: Int.self`): the first column.
            return { statement in
                guard statement.columnNames.count > 0 else {
                    throw statement.missingColumnError("0", type: T.self)
                }
                // `readable` is `T.self`, and `read` returns `Self`: the cast cannot fail.
                return try readable.read(from: statement, at: 0, column: statement.columnNames[0]) as! T
            }
        }
        return { statement in try statement.decodeRowValue(T.self) }
    }
}

extension SQLiteStatement {
    /// Decodes the current row as `T` through its `init(from:)`. A `DecodingError` it throws (a top-level enum whose
    /// raw value matches no case, an array, a custom check) becomes a ``ColumnDecodingError`` naming the column.
    @inlinable
    package func decodeRowValue<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: RowDecoder(statement: self))
        } catch let error as DecodingError {
            throw rowDecodingError(from: error, type: T.self)
        }
    }

    /// The ``ColumnDecodingError`` for a `DecodingError` thrown while decoding the current row as `type`.
    ///
    /// The column is the first key of the error's coding path, or the first column (a single-value or unkeyed
    /// decoding reads the row from there). `found` holds the column's value and the error's own description, both
    /// cut short, so that the error stays small whatever the row held.
    @usableFromInline
    func rowDecodingError(from error: DecodingError, type: Any.Type) -> ColumnDecodingError {
        let context: DecodingError.Context
        switch error {
        case .keyNotFound(let key, _):
            return missingColumnError(key.stringValue, type: type)
        case .typeMismatch(_, let errorContext), .valueNotFound(_, let errorContext),
            .dataCorrupted(let errorContext):
            context = errorContext
        @unknown default:
            context = DecodingError.Context(codingPath: [], debugDescription: "\(type) could not be decoded")
        }
        let column = context.codingPath.first?.stringValue ?? columnNames.first ?? "0"
        guard let index = columnIndex(named: column) else { return missingColumnError(column, type: type) }
        let kind: ColumnDecodingError.Kind = isNull(at: index) ? .nullValue : .typeMismatch
        var found = value(at: index).description
        if !context.debugDescription.isEmpty {
            found += " (\(abbreviated(context.debugDescription, limit: 120)))"
        }
        return ColumnDecodingError(
            kind: kind,
            column: column,
            expectedType: String(describing: type),
            found: found,
            sql: sql,
            table: table
        )
    }
}

/// A `Decoder` over the current row of a statement. Keys are column names, looked up in the statement's
/// precomputed map; values are read with `sqlite3_column_*` directly. A single-value container reads column 0.
@usableFromInline
struct RowDecoder: Decoder {
    @usableFromInline let statement: SQLiteStatement

    @inlinable
    init(statement: SQLiteStatement) {
        self.statement = statement
    }

    @usableFromInline var codingPath: [any CodingKey] { [] }
    @usableFromInline var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// A container over the current row. The first row of an execution makes it; the next rows, which decode the
    /// same type, reuse it, sparing a box and three runtime type lookups per row.
    @usableFromInline
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if let cached = statement.keyedContainer, cached.keyType == ObjectIdentifier(Key.self) {
            // Stored below for this very `Key`, so the holder is a `KeyedContainerHolder<Key>`.
            return unsafeDowncast(cached.holder, to: KeyedContainerHolder<Key>.self).container
        }
        let container = KeyedDecodingContainer(RowKeyedContainer<Key>(statement: statement))
        statement.keyedContainer = (ObjectIdentifier(Key.self), KeyedContainerHolder(container))
        return container
    }

    @usableFromInline
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self,
            .init(codingPath: [], debugDescription: "a row cannot be decoded as an array")
        )
    }

    @usableFromInline
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard let column = statement.columnNames.first else {
            throw statement.missingColumnError("0", type: Any.self)
        }
        return ColumnValueContainer(statement: statement, index: 0, column: column)
    }
}

/// Keeps a statement's keyed container between rows.
final class KeyedContainerHolder<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>

    init(_ container: KeyedDecodingContainer<Key>) {
        self.container = container
    }
}

struct RowKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let statement: SQLiteStatement

    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { statement.columnNames.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        statement.columnIndex(named: key.stringValue) != nil
    }

    // Each method asks the key for its name once: the name finds the column and names it in errors.

    @inline(__always)
    private func index(of column: String, as type: Any.Type) throws -> Int32 {
        guard let index = statement.columnIndex(named: column) else {
            throw statement.missingColumnError(column, type: type)
        }
        return index
    }

    /// The column index if the column exists and is not NULL.
    @inline(__always)
    private func presentIndex(of column: String) -> Int32? {
        guard let index = statement.columnIndex(named: column), !statement.isNull(at: index) else {
            return nil
        }
        return index
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        statement.isNull(at: try index(of: key.stringValue, as: Optional<Any>.self))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        let column = key.stringValue
        return try statement.readBool(at: index(of: column, as: type), column: column)
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let column = key.stringValue
        return try statement.readString(at: index(of: column, as: type), column: column)
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        let column = key.stringValue
        return try statement.readDouble(at: index(of: column, as: type), column: column)
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        let column = key.stringValue
        return try statement.readFloat(at: index(of: column, as: type), column: column)
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

    @inline(__always)
    private func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        let column = key.stringValue
        return try statement.readInteger(type, at: index(of: column, as: type), column: column)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let column = key.stringValue
        return try statement.decodeColumn(type, at: index(of: column, as: type), column: column)
    }

    // Fast paths for optionals: one lookup instead of contains + decodeNil + decode.

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.readInteger(type, at: index, column: column)
    }

    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.readInteger(type, at: index, column: column)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.readString(at: index, column: column)
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.readDouble(at: index, column: column)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.readBool(at: index, column: column)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let column = key.stringValue
        guard let index = presentIndex(of: column) else { return nil }
        return try statement.decodeColumn(type, at: index, column: column)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw unsupported(key, "a nested keyed container")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw unsupported(key, "a nested unkeyed container")
    }

    func superDecoder() throws -> any Decoder {
        throw DecodingError.typeMismatch(
            Any.self,
            .init(codingPath: [], debugDescription: "row decoding has no super decoder")
        )
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        throw unsupported(key, "a super decoder")
    }

    private func unsupported(_ key: Key, _ what: String) -> DecodingError {
        DecodingError.typeMismatch(
            Any.self,
            .init(
                codingPath: [key],
                debugDescription: "column \"\(key.stringValue)\" cannot provide \(what)"
            )
        )
    }
}

/// A `Decoder` over one column, for types that decode from a single value (such as `RawRepresentable` enums).
struct ColumnDecoder: Decoder {
    let statement: SQLiteStatement
    let index: Int32
    let column: String

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch(
            [String: Any].self,
            .init(codingPath: [], debugDescription: "Column \"\(column)\" is not a keyed value")
        )
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self,
            .init(codingPath: [], debugDescription: "Column \"\(column)\" is not an array")
        )
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ColumnValueContainer(statement: statement, index: index, column: column)
    }
}

struct ColumnValueContainer: SingleValueDecodingContainer {
    let statement: SQLiteStatement
    let index: Int32
    let column: String

    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { statement.isNull(at: index) }
    func decode(_ type: Bool.Type) throws -> Bool { try statement.readBool(at: index, column: column) }
    func decode(_ type: String.Type) throws -> String { try statement.readString(at: index, column: column) }
    func decode(_ type: Double.Type) throws -> Double { try statement.readDouble(at: index, column: column) }
    func decode(_ type: Float.Type) throws -> Float { try statement.readFloat(at: index, column: column) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try statement.readInteger(type, at: index, column: column)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try statement.decodeColumn(type, at: index, column: column)
    }
}
