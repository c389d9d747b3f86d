/// The keyed container of a ``RowDecoder``: keys are column names, values are read from the current row.
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
