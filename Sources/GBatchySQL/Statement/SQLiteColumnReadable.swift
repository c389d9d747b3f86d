import Foundation

/// A type that reads itself directly from a column, bypassing `init(from:)`.
protocol SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Self
}

extension Int: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Int {
        try statement.readInteger(Int.self, at: index, column: column)
    }
}

extension Int64: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Int64 {
        try statement.readInteger(Int64.self, at: index, column: column)
    }
}

extension Int32: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Int32 {
        try statement.readInteger(Int32.self, at: index, column: column)
    }
}

extension Double: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Double {
        try statement.readDouble(at: index, column: column)
    }
}

extension Float: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Float {
        try statement.readFloat(at: index, column: column)
    }
}

extension Bool: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Bool {
        try statement.readBool(at: index, column: column)
    }
}

extension String: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> String {
        try statement.readString(at: index, column: column)
    }
}

extension Data: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Data {
        try statement.readData(at: index, column: column)
    }
}

extension Array: SQLiteColumnReadable where Element == UInt8 {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> [UInt8] {
        [UInt8](try statement.readData(at: index, column: column, type: [UInt8].self))
    }
}

extension Date: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> Date {
        try statement.readDate(at: index, column: column)
    }
}

extension UUID: SQLiteColumnReadable {
    static func read(from statement: SQLiteStatement, at index: Int32, column: String) throws -> UUID {
        try statement.readUUID(at: index, column: column)
    }
}
