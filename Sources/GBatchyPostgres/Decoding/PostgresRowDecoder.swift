import Foundation
import PostgresNIO

/// Decodes a `Decodable` row from a PostgreSQL row by column name.
///
/// Each property is read from the column of its coding key, by postgres-nio's own decoding where the property's type
/// has one (`Int`, `String`, `Double`, `Bool`, `Date`, `UUID`, `Decimal`, `Data`, arrays of those…); a property of
/// any other `Decodable` type is decoded as JSON from a `json` or `jsonb` column. A missing column or SQL `NULL`
/// decodes as `nil` for an optional property. A failure names the column, the type and the statement.
struct PostgresRowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    let sql: String
    let table: String?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        KeyedDecodingContainer(Columns<K>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw failure(column: nil, type: "an unkeyed container", "a row decodes by column name only")
    }

    /// The row as `Row`, decoded by column name.
    func decode<Row: Decodable>(_ rowType: Row.Type = Row.self) throws -> Row {
        do {
            return try Row(from: self)
        } catch let error as PostgresSourceError {
            throw error
        } catch {
            throw failure(column: nil, type: "\(Row.self)", "\(error)", underlying: error)
        }
    }

    /// The row's first column, for a row type that is a single value (`Int`, `String`, `Date`…), as in
    /// `pg.query("SELECT count(*) FROM posts", as: Int.self)`; the same rule as on SQLite.
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard let column = row.first?.columnName else {
            throw failure(column: nil, type: "a single value", "the result has no column")
        }
        return FirstColumn(decoder: self, column: column)
    }

    func failure(column: String?, type: String, _ reason: String, underlying: (any Error)? = nil) -> PostgresSourceError
    {
        PostgresSourceError(
            .decoding,
            "cannot decode \(column.map { "column \($0)" } ?? "the row") as \(type): \(reason)",
            table: table,
            column: column,
            sql: sql,
            underlying: underlying
        )
    }

    /// The cell of `column`, or a failure naming it.
    func cell(_ column: String, as type: Any.Type) throws -> PostgresCell {
        guard row.contains(column) else {
            throw failure(column: column, type: "\(type)", "the result has no such column")
        }
        return row[column]
    }

    /// The value of `column` as `T`, one of postgres-nio's own types: no dynamic cast, specialized for `T`.
    func decodePrimitive<T: PostgresDecodable>(_ type: T.Type, column: String) throws -> T {
        let cell = try cell(column, as: T.self)
        guard cell.bytes != nil else {
            throw failure(column: column, type: "\(T.self)", "it is NULL; make the property optional")
        }
        do {
            return try cell.decode(T.self)
        } catch let error as PostgresDecodingError {
            throw failure(
                column: column,
                type: "\(T.self)",
                "postgres-nio cannot read a \(cell.dataType) value as it (\(error.code))",
                underlying: error
            )
        }
    }

    /// The value of `column` as `T`: postgres-nio's decoding for its own types, JSON for any other `Decodable` in a
    /// `json` or `jsonb` column.
    func decode<T: Decodable>(_ type: T.Type, column: String) throws -> T {
        let cell = try cell(column, as: T.self)
        guard cell.bytes != nil else {
            throw failure(column: column, type: "\(T.self)", "it is NULL; make the property optional")
        }
        do {
            if let decodable = T.self as? any PostgresDecodable.Type {
                guard let value = try decodeCell(decodable, cell) as? T else {
                    throw PostgresDecodingError.Code.typeMismatch
                }
                return value
            }
            guard cell.dataType == .jsonb || cell.dataType == .json, var bytes = cell.bytes else {
                throw PostgresDecodingError.Code.typeMismatch
            }
            if cell.dataType == .jsonb, cell.format == .binary { bytes.moveReaderIndex(forwardBy: 1) }
            return try JSONDecoder().decode(T.self, from: Data(bytes.readableBytesView))
        } catch let error as PostgresDecodingError {
            throw failure(
                column: column,
                type: "\(T.self)",
                "postgres-nio cannot read a \(cell.dataType) value as it (\(error.code))",
                underlying: error
            )
        } catch let error as PostgresDecodingError.Code {
            throw failure(column: column, type: "\(T.self)", "it holds \(cell.dataType) (\(error))", underlying: error)
        } catch {
            throw failure(column: column, type: "\(T.self)", "\(error)", underlying: error)
        }
    }

    private func decodeCell<D: PostgresDecodable>(_ type: D.Type, _ cell: PostgresCell) throws -> Any {
        try cell.decode(D.self)
    }

    /// The first column of a row decoded as a single value.
    private struct FirstColumn: SingleValueDecodingContainer {
        let decoder: PostgresRowDecoder
        let column: String
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool { decoder.row[column].bytes == nil }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: String.Type) throws -> String { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Double.Type) throws -> Double { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Float.Type) throws -> Float { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decode(type, column: column) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodePrimitive(type, column: column) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.decode(type, column: column) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decode(type, column: column) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decode(type, column: column) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decode(type, column: column) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decode(type, column: column) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type, column: column) }
    }

    private struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: PostgresRowDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { decoder.row.compactMap { Key(stringValue: $0.columnName) } }

        func contains(_ key: Key) -> Bool { decoder.row.contains(key.stringValue) }

        func decodeNil(forKey key: Key) throws -> Bool {
            !decoder.row.contains(key.stringValue) || decoder.row[key.stringValue].bytes == nil
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try decoder.decode(T.self, column: key.stringValue)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard decoder.row.contains(key.stringValue), decoder.row[key.stringValue].bytes != nil else { return nil }
            return try decoder.decode(T.self, column: key.stringValue)
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            guard decoder.row.contains(key.stringValue), decoder.row[key.stringValue].bytes != nil else { return nil }
            return try decoder.decodePrimitive(String.self, column: key.stringValue)
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            guard decoder.row.contains(key.stringValue), decoder.row[key.stringValue].bytes != nil else { return nil }
            return try decoder.decodePrimitive(Int.self, column: key.stringValue)
        }

        // The types every row has, decoded without a dynamic cast.
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try decoder.decodePrimitive(Bool.self, column: key.stringValue)
        }
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try decoder.decodePrimitive(String.self, column: key.stringValue)
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try decoder.decodePrimitive(Double.self, column: key.stringValue)
        }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            try decoder.decodePrimitive(Float.self, column: key.stringValue)
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try decoder.decodePrimitive(Int.self, column: key.stringValue)
        }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try decoder.decodePrimitive(Int64.self, column: key.stringValue)
        }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
            try decoder.decodePrimitive(Int32.self, column: key.stringValue)
        }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
            try decoder.decodePrimitive(Int16.self, column: key.stringValue)
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type,
            forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            throw decoder.failure(column: key.stringValue, type: "a nested container", "decode a JSON column instead")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw decoder.failure(column: key.stringValue, type: "a nested container", "decode a JSON column instead")
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }
}
