import GBatchySQLCore
import PostgresNIO

/// What a loader's statement asks beyond "the rows whose key column equals a key": a fixed filter, an order, at most
/// `limit` rows per key, a join table to go through, or one number per key instead of rows. Part of the loader's
/// identity (each loader has its own cache).
struct PostgresShape: Sendable {
    /// The fixed filter as written, checked when the loader first runs (``FilterExpression``).
    var filter: String?
    /// The filter's values, bound after the keys.
    var filterValues: [any PostgresEncodable & Sendable] = []
    var orderBy: String?
    var descending = false
    /// At most this many rows per key, in `orderBy` order (a `LATERAL … LIMIT`, bound last).
    var limit: Int?
    /// The join table a many-to-many loader goes through.
    var through: JoinTable?
    /// One number per key instead of rows.
    var aggregate: Aggregate?
    /// Whether the statement answers pages: each key's first `size` rows after its cursor, in `orderBy` order with
    /// the primary key as tie-break.
    var pages = false
    /// Whether the rows read prime the context's unfiltered by-primary-key loaders of the same table and row type.
    var primesIdentity = false

    /// A join table: the loader's key is compared with `from`; `to` holds the primary key of the loader's table.
    struct JoinTable: Sendable {
        let table: String
        let from: String
        let to: String
    }

    enum Aggregate: Sendable {
        /// `count(*)` of the key's rows.
        case count
        /// Whether the key has a row: an `EXISTS` that stops at the first.
        case exists
    }

    /// The name of a loader of this shape unless it was given one: `table.key` for one row per key, `table.key[]`
    /// for groups (with `through.` for a join table), then ` where filter` and ` limit n`.
    func defaultName(table: String, key: String, groups: Bool) -> String {
        var name = "\(table)." + (through.map { "\($0.table)." } ?? "") + key + (groups ? "[]" : "")
        if let aggregate { name += aggregate == .count ? " count" : " exists" }
        if let filter { name += " where \(filter)" }
        if let limit { name += " limit \(limit)" }
        return name
    }

    /// The checked filter, or a ``PostgresSourceError`` naming the table and why the filter is refused.
    func checkedFilter(table: String) throws -> FilterExpression? {
        if let limit, limit < 0 {
            throw PostgresSourceError(.invalidDefinition, "limit \(limit) is negative", table: table)
        }
        guard let filter else { return nil }
        do {
            return try FilterExpression(filter, valueCount: filterValues.count, dialect: .postgres)
        } catch {
            throw PostgresSourceError(
                .invalidDefinition,
                "the filter \(filter) is refused: \(error.reason)",
                table: table
            )
        }
    }
}
