/// The single-value container of one column of the current row, for ``RowDecoder`` and ``ColumnDecoder``.
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
