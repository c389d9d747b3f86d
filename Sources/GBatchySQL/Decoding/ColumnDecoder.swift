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
