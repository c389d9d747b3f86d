import GBatchy
import GBatchyCSQLite

/// A loader that rows read by other loaders can prime, seen without its row type.
protocol IdentityPrimingLoader: AnyObject, Sendable {}

/// A by-key loader of one row type that rows read by the group and many-to-many loaders of its table prime: after
/// they read a row, loading it by its primary key runs no query in the same context.
protocol IdentityPriming<Row>: IdentityPrimingLoader {
    associatedtype Row
    /// The column the loader's keys are compared with; it is primed only when that is the table's primary key.
    var keyColumn: String { get }
    /// Caches each row under its primary key in the current context, unless the key is cached already.
    ///
    /// - Parameters:
    ///   - identities: The primary key of each row, as read.
    ///   - rows: The rows, in the same order.
    func primeRows(_ identities: [SQLiteValue], _ rows: [(index: Int, row: Row)])
}

/// The by-key loaders without a filter of one database, by table (case-insensitive) and row type, held weakly.
///
/// `Sendable`: its state is behind a lock.
final class IdentityRegistry: Sendable {
    private struct Entry: Sendable {
        weak var loader: (any IdentityPrimingLoader)?
    }

    private struct Slot: Hashable, Sendable {
        let table: String
        let rowType: ObjectIdentifier
    }

    private struct Entries: Sendable {
        var entries: [Entry] = []
        /// The entry count at which the next registration sweeps released loaders away (amortized, as in
        /// ``LoaderRegistry``).
        var sweepAt = 16
    }

    private let state = Locked([Slot: Entries]())

    /// Adds `loader` for `table` and `rowType`.
    func register<Row>(_ loader: any IdentityPriming<Row>, table: String, rowType: Row.Type) {
        let slot = Slot(table: table.lowercased(), rowType: ObjectIdentifier(rowType))
        state.withLock { state in
            var entries = state.removeValue(forKey: slot) ?? Entries()
            if entries.entries.count >= entries.sweepAt {
                entries.entries.removeAll { $0.loader == nil }
                entries.sweepAt = max(16, entries.entries.count * 2)
            }
            entries.entries.append(Entry(loader: loader))
            state[slot] = entries
        }
    }

    /// The live by-key loaders of `table` and `rowType`.
    func primers<Row>(table: String, rowType: Row.Type) -> [any IdentityPriming<Row>] {
        let slot = Slot(table: table.lowercased(), rowType: ObjectIdentifier(rowType))
        return state.withLock { state in
            state[slot]?.entries.compactMap { $0.loader as? any IdentityPriming<Row> } ?? []
        }
    }
}

extension TableSource {
    /// The by-key loaders a batch of this group loader primes: those of its table and row type whose key column is
    /// the primary key the statement reads. Looked up per batch: a by-key loader declared later primes from the next
    /// batch on.
    func identityPrimers(of statement: Statement) -> [any IdentityPriming<Row>] {
        guard shape.primesIdentity, let primaryKey = statement.primaryKey else { return [] }
        return database.tableLoaders.identities.primers(table: table, rowType: Row.self).filter {
            $0.keyColumn.caseInsensitiveCompare(primaryKey) == .orderedSame
        }
    }
}

extension TableLoader: IdentityPriming {
    func primeRows(_ identities: [SQLiteValue], _ rows: [(index: Int, row: Row)]) {
        // The reader's closure, made where the loader was declared: specialized for its key and row types.
        primeWithReader(loader, identities, rows)
    }
}

extension SQLiteSourceConnection {
    /// The table's primary key when it is one column (a rowid alias or a declared one), from SQLite's column
    /// metadata (no statement); `nil` for no primary key or one of several columns.
    func primaryKeyColumn(table: String, columns: [String]) -> String? {
        var found: [String] = []
        for column in columns where !column.contains("\0") {
            var isPrimaryKey: Int32 = 0
            guard
                sqlite3_table_column_metadata(handle, nil, table, column, nil, nil, nil, &isPrimaryKey, nil)
                    == SQLITE_OK
            else { continue }
            if isPrimaryKey != 0 { found.append(column) }
        }
        return found.count == 1 ? found[0] : nil
    }
}
