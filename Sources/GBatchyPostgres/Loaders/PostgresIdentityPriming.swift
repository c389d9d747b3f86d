import GBatchy
import PostgresNIO

/// A by-primary-key loader that rows read by other loaders of its table and row type can prime.
protocol PostgresIdentityPrimingLoader: AnyObject, Sendable {}

/// A by-primary-key loader of `Row`s, primed with rows read by group, top-N, page or many-to-many loaders.
protocol PostgresIdentityPriming<Row>: PostgresIdentityPrimingLoader {
    associatedtype Row
    /// The key column, which priming needs to be the table's primary key.
    var keyColumn: String { get }
    /// Primes the loader in the running context: each row under the primary key value its cell holds.
    func primeRows(_ identities: [PostgresCell], _ rows: [Row])
}

/// The unfiltered by-key loaders of a source, by table and row type, held weakly.
///
/// `Sendable`: its state is behind a lock.
final class PostgresIdentityRegistry: Sendable {
    private struct Entry: Sendable {
        weak var loader: (any PostgresIdentityPrimingLoader)?
    }

    private struct Slot: Hashable, Sendable {
        let table: String
        let rowType: ObjectIdentifier
    }

    private let state = Locked([Slot: [Entry]]())

    /// Adds `loader` under its table and row type, sweeping released loaders once they are as many as the live ones.
    func register<Row>(_ loader: any PostgresIdentityPriming<Row>, table: String, rowType: Row.Type) {
        let slot = Slot(table: table.lowercased(), rowType: ObjectIdentifier(rowType))
        state.withLock { state in
            var entries = state.removeValue(forKey: slot) ?? []
            if entries.count >= 16, entries.count.nonzeroBitCount == 1 { entries.removeAll { $0.loader == nil } }
            entries.append(Entry(loader: loader))
            state[slot] = entries
        }
    }

    /// The live loaders of `table` and `Row` keyed by `primaryKey`.
    func primers<Row>(table: String, rowType: Row.Type, primaryKey: String) -> [any PostgresIdentityPriming<Row>] {
        let slot = Slot(table: table.lowercased(), rowType: ObjectIdentifier(rowType))
        let loaders = state.withLock { state in
            state[slot]?.compactMap { $0.loader as? any PostgresIdentityPriming<Row> } ?? []
        }
        return loaders.filter { $0.keyColumn == primaryKey || $0.keyColumn.lowercased() == primaryKey }
    }
}

extension PostgresTableLoader: PostgresIdentityPriming {
    func primeRows(_ identities: [PostgresCell], _ rows: [Row]) {
        var pairs: [(key: Key.PostgresIdentity, value: Row?)] = []
        pairs.reserveCapacity(rows.count)
        for (cell, row) in zip(identities, rows) {
            guard let element = try? cell.decode(Key.PostgresElement.self) else { continue }
            pairs.append((Key.postgresIdentity(of: element), row))
        }
        loader.prime(contentsOf: pairs)
    }
}
