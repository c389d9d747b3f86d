import Foundation
import GBatchyCSQLite

/// Typed reads of a column of the current row, with the storage conventions of ``SQLiteBindable``.
///
/// Every read checks the column's storage class and throws a ``ColumnDecodingError`` naming the column, the Swift type
/// and the SQL instead of converting silently.
extension SQLiteStatement {
    func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    func decodingError(_ kind: ColumnDecodingError.Kind, at index: Int32, column: String, type: Any.Type)
        -> ColumnDecodingError
    {
        ColumnDecodingError(
            kind: kind,
            column: column,
            expectedType: String(describing: type),
            found: value(at: index).description,
            sql: sql,
            table: table
        )
    }

    func missingColumnError(_ column: String, type: Any.Type) -> ColumnDecodingError {
        ColumnDecodingError(
            kind: .missingColumn,
            column: column,
            expectedType: String(describing: type),
            found: "columns: " + columnNames.joined(separator: ", "),
            sql: sql,
            table: table
        )
    }

    private func mismatch(at index: Int32, column: String, type: Any.Type) -> ColumnDecodingError {
        let kind: ColumnDecodingError.Kind = isNull(at: index) ? .nullValue : .typeMismatch
        return decodingError(kind, at: index, column: column, type: type)
    }

    func readInteger<I: FixedWidthInteger>(_ type: I.Type, at index: Int32, column: String) throws -> I {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            if let value = I(exactly: sqlite3_column_int64(handle, index)) { return value }
        case SQLITE_FLOAT:
            let double = sqlite3_column_double(handle, index)
            if let value = I(exactly: double) { return value }
        default:
            break
        }
        throw mismatch(at: index, column: column, type: type)
    }

    func readDouble(at index: Int32, column: String, type: Any.Type = Double.self) throws -> Double {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER, SQLITE_FLOAT: return sqlite3_column_double(handle, index)
        default: throw mismatch(at: index, column: column, type: type)
        }
    }

    func readFloat(at index: Int32, column: String) throws -> Float {
        Float(try readDouble(at: index, column: column, type: Float.self))
    }

    func readBool(at index: Int32, column: String) throws -> Bool {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return sqlite3_column_int64(handle, index) != 0
        case SQLITE_FLOAT: return sqlite3_column_double(handle, index) != 0
        default: throw mismatch(at: index, column: column, type: Bool.self)
        }
    }

    func readString(at index: Int32, column: String) throws -> String {
        guard sqlite3_column_type(handle, index) == SQLITE_TEXT else {
            throw mismatch(at: index, column: column, type: String.self)
        }
        return text(at: index)
    }

    func readData(at index: Int32, column: String, type: Any.Type = Data.self) throws -> Data {
        guard sqlite3_column_type(handle, index) == SQLITE_BLOB else {
            throw mismatch(at: index, column: column, type: type)
        }
        return blob(at: index)
    }

    /// A date from text (see ``SQLiteDateFormat``) or from a number of Unix seconds. A number outside the years 0000
    /// to 9999 (or infinite) is a type mismatch: every date read can be bound again.
    func readDate(at index: Int32, column: String) throws -> Date {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER, SQLITE_FLOAT:
            let seconds = sqlite3_column_double(handle, index)
            if SQLiteDateFormat.isStorable(seconds) { return Date(timeIntervalSince1970: seconds) }
        case SQLITE_TEXT:
            if let pointer = sqlite3_column_text(handle, index) {
                let bytes = UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, index)))
                if let date = SQLiteDateFormat.date(fromUTF8: bytes) { return date }
            }
        default:
            break
        }
        throw mismatch(at: index, column: column, type: Date.self)
    }

    func readUUID(at index: Int32, column: String) throws -> UUID {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_TEXT:
            if let uuid = UUID(uuidString: text(at: index)) { return uuid }
        case SQLITE_BLOB:
            if sqlite3_column_bytes(handle, index) == 16, let pointer = sqlite3_column_blob(handle, index) {
                var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                withUnsafeMutableBytes(of: &uuid) {
                    $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: 16))
                }
                return UUID(uuid: uuid)
            }
        default:
            break
        }
        throw mismatch(at: index, column: column, type: UUID.self)
    }

    /// Decodes one column as `T`: the built-in types directly, anything else (such as a `RawRepresentable` enum)
    /// through a single-value decoder on that column.
    func decodeColumn<T: Decodable>(_ type: T.Type, at index: Int32, column: String) throws -> T {
        if let readable = T.self as? any SQLiteColumnReadable.Type {
            // `readable` is `T.self`, and `read` returns `Self`: the cast cannot fail.
            return try readable.read(from: self, at: index, column: column) as! T
        }
        do {
            return try T(from: ColumnDecoder(statement: self, index: index, column: column))
        } catch is DecodingError {
            // For example an enum whose raw value matches no case: report it with the column and the SQL.
            throw mismatch(at: index, column: column, type: type)
        }
    }
}

extension SQLiteStatement {
    /// The error for a row that matched no key of the batch: its key position (or key column value) is not one the
    /// loader sent. The table loader adds the table and the column.
    @usableFromInline
    func unreadableKey(_ value: SQLiteValue) -> TableLoaderError {
        TableLoaderError.unreadableKey(value, table: table ?? "", column: "")
    }
}
