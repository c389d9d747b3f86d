import GBatchySQLCore

/// What a table loader's statement asks beyond "the rows whose key column equals a key": a fixed filter, at most
/// `limit` rows per key, a join table to go through, or one number per key instead of rows.
///
/// Part of the loader's identity: two loaders of one table with different shapes cache apart (each core loader has
/// its own cache) and are named apart in `BatchStatistics` by default.
struct LoaderShape: Sendable {
    /// The fixed filter, ANDed to the key match; its values are bound after the keys.
    var filter: SQLFilter?
    /// At most this many rows per key, in `orderBy` order (a `row_number()` window, bound as the last value).
    var limit: Int?
    /// The join table a many-to-many loader goes through.
    var through: JoinTable?
    /// One number per key instead of rows.
    var aggregate: Aggregate?
    /// Whether the rows read prime the context's by-primary-key loaders of the same table and row type.
    var primesIdentity = false

    /// A join table: the loader's key is compared with `from`; `to` holds the primary key of the loader's table.
    struct JoinTable: Sendable, Equatable {
        let table: String
        let from: String
        let to: String
    }

    /// The number a count or exists loader answers for each key.
    enum Aggregate: Sendable, Equatable {
        /// `count(*)` of the key's rows.
        case count
        /// `1` when the key has a row: an `EXISTS` that stops at the first.
        case exists
    }

    /// The name of a group loader of this shape unless it was given one: `table.key[]`, with `through.from` for a
    /// join table, then ` where filter` and ` limit n`.
    func defaultName(table: String, key: String) -> String {
        var name = "\(table)." + (through.map { "\($0.table)." } ?? "") + "\(key)[]"
        if let filter { name += " where \(filter.sql)" }
        if let limit { name += " limit \(limit)" }
        return name
    }

    /// Whether the statement is the plain key match, which is all a loader without a shape sends.
    var isPlain: Bool { filter == nil && limit == nil && through == nil && aggregate == nil }

    /// The values bound after the keys, in the order of their `?` in the statement: the filter's, then the limit.
    func boundValues(table: String) throws -> [SQLiteValue] {
        var values = try filter?.boundValues(table: table) ?? []
        if let limit { values.append(.integer(Int64(limit))) }
        return values
    }

    /// Throws the ``LoaderDefinitionError`` of a shape the loader cannot send, before any statement is built.
    func check(table: String) throws {
        if let limit, limit < 0 { throw LoaderDefinitionError.negativeLimit(limit, table: table) }
        try filter?.check(table: table)
    }
}

/// A fixed `WHERE` expression with its values, checked to be one SQL expression with only `?` parameters.
struct SQLFilter: Sendable {
    /// The expression, as written.
    let sql: String
    /// Its values, one per `?`, in order.
    let values: [any SQLiteBindable]

    /// The values as bound, or a ``LoaderDefinitionError`` for one that cannot be stored.
    func boundValues(table: String) throws -> [SQLiteValue] {
        try values.enumerated().map { index, value in
            do {
                return try checkedSQLiteValue(of: value)
            } catch {
                throw LoaderDefinitionError.unbindableFilterValue(
                    index + 1,
                    filter: sql,
                    table: table,
                    reason: "\(error)"
                )
            }
        }
    }

    /// Throws a ``LoaderDefinitionError`` unless the filter is one expression whose `?` count equals its values'
    /// (`FilterExpression`, read as SQLite's tokenizer reads it).
    func check(table: String) throws {
        do {
            _ = try FilterExpression(sql, valueCount: values.count, dialect: .sqlite)
        } catch {
            throw LoaderDefinitionError.invalidFilter(sql, table: table, reason: error.reason)
        }
    }
}
