import Foundation

/// A key type whose ``SQLiteKey/init(sqliteKeyValue:)`` reads a key column value back as exactly the key that was
/// bound, when the column compares as `BINARY` without converting text: the library's own key types.
protocol SQLiteExactKey {}

extension Int: SQLiteExactKey {}
extension Int64: SQLiteExactKey {}
extension UUID: SQLiteExactKey {}
extension SQLiteTextKey: SQLiteExactKey {}
extension Optional: SQLiteExactKey where Wrapped: SQLiteExactKey {}
