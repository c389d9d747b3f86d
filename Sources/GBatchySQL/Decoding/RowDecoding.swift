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
