import Foundation
import GBatchyCSQLite

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
