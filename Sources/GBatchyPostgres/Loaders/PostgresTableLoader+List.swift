import GBatchy
import GBatchySQLCore
import PostgresNIO

/// A list query of a by-key loader: its filter, its values as bound, its order and limit.
struct PostgresListQuery: Hashable, Sendable {
    let filter: String?
    let values: PostgresBindings
    let orderBy: String?
    let descending: Bool
    let limit: Int?
}

extension PostgresTableLoader {
    /// Lists the table's rows (the root of a request, not a key), in the tick's snapshot, and primes this loader with
    /// them: a later `load(key)` of a listed row runs no statement. The same call as on SQLite.
    ///
    /// ```swift
    /// let firstAlbums = try await albums.list(orderBy: "id", limit: 100)   // later albums.load(id) runs no query
    /// ```
    ///
    /// - Parameters:
    ///   - filter: An SQL expression the rows must match, with `?` for its values; checked to be one expression.
    ///   - values: The filter's values, always bound.
    ///   - orderBy: The column the rows are ordered by, checked against the table, or `nil`.
    ///   - descending: Whether the order is descending.
    ///   - limit: At most this many rows, or `nil` for all.
    /// - Returns: The rows. One statement per list query and tick, cached in the context like a load.
    /// - Throws: ``PostgresSourceError``.
    public func list(
        where filter: String? = nil,
        _ values: [any PostgresEncodable & Sendable] = [],
        orderBy: String? = nil,
        descending: Bool = false,
        limit: Int? = nil
    ) async throws -> [Row] {
        var bindings = PostgresBindings(capacity: values.count)
        try appendValues(values, to: &bindings, sql: filter ?? "", table: table)
        if let filter {
            do {
                _ = try FilterExpression(filter, valueCount: values.count, dialect: .postgres)
            } catch {
                throw PostgresSourceError(
                    .invalidDefinition,
                    "the filter \(filter) is refused: \(error.reason)",
                    table: table
                )
            }
        } else if !values.isEmpty {
            throw PostgresSourceError(.invalidDefinition, "values were given without a filter", table: table)
        }
        if let limit, limit < 0 {
            throw PostgresSourceError(.invalidDefinition, "limit \(limit) is negative", table: table)
        }
        return try await lists.load(
            PostgresListQuery(filter: filter, values: bindings, orderBy: orderBy, descending: descending, limit: limit)
        )
    }

    /// Empties this loader's cache in the running context: its rows and its lists.
    public func clearAll() {
        loader.clearAll()
        lists.clearAll()
    }
}

extension PostgresTableQuery {
    /// The rows of a list query, each with its key column's value read back, for priming: in the tick's snapshot.
    func list(_ query: PostgresListQuery, keyColumn: String) async throws -> [(key: PostgresCell, row: Row)] {
        var (sql, bindings) = try await listStatement(query, keyColumn: keyColumn)
        let rows: [PostgresRow]
        do {
            rows = try await source.read(sql, bindings, keyCount: nil, table: table)
        } catch let error as PostgresSourceError where error.sqlState == "42703" || error.sqlState == "42P01" {
            // The schema changed since it was read: read it again (which throws the missing table or column), and
            // run again once if the statement changed.
            forgetSchema()
            let rebuilt = try await listStatement(query, keyColumn: keyColumn)
            guard rebuilt.sql != sql else { throw error }
            (sql, bindings) = rebuilt
            rows = try await source.read(sql, bindings, keyCount: nil, table: table)
        }
        return try rows.map { row in
            let cells = row.makeRandomAccess()
            return (cells["gbatchy_key"], try decode(cells, sql))
        }
    }

    /// A list query's statement and bindings, from the table's columns; when a column it needs is not there, the
    /// schema is read again next time.
    private func listStatement(
        _ query: PostgresListQuery,
        keyColumn: String
    ) async throws -> (sql: String, bindings: PostgresBindings) {
        let schema = try await tableSchema()
        do {
            return try listStatement(query, keyColumn: keyColumn, schema: schema)
        } catch {
            forgetSchema()
            throw error
        }
    }

    private func listStatement(
        _ query: PostgresListQuery,
        keyColumn: String,
        schema: PostgresTableSchema
    ) throws -> (sql: String, bindings: PostgresBindings) {
        let key = try schema.column(keyColumn, role: "the key column")
        var selected: [String] = []
        if let columns {
            for column in columns {
                guard let name = schema.real(column.name) else {
                    if column.isOptional { continue }
                    _ = try schema.column(column.name, role: "decoded by \(Row.self):")
                    continue
                }
                selected.append(
                    name == column.name ? "\"t\".\(quoted(name))" : "\"t\".\(quoted(name)) AS \(quoted(column.name))"
                )
            }
        } else {
            selected = ["\"t\".*"]
        }
        selected.append("\"t\".\(quoted(key)) AS \"gbatchy_key\"")
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(quoted(schema.name)) AS \"t\""
        var bindings = query.values
        var next = 1
        if let filter = query.filter {
            let expression = try shape.checkedListFilter(filter, count: bindings.count, table: table)
            sql += " WHERE (\(expression.parameterized(startingAt: next)))"
            next += expression.parameterOffsets.count
        }
        if let order = query.orderBy {
            sql +=
                " ORDER BY \"t\".\(quoted(try schema.column(order, role: "the orderBy column")))"
                + (query.descending ? " DESC" : "")
        }
        if let limit = query.limit {
            sql += " LIMIT $\(next)"
            bindings.append(limit)
        }
        return (sql, bindings)
    }
}

extension PostgresShape {
    /// A list query's filter, checked.
    func checkedListFilter(_ filter: String, count: Int, table: String) throws -> FilterExpression {
        do {
            return try FilterExpression(filter, valueCount: count, dialect: .postgres)
        } catch {
            throw PostgresSourceError(
                .invalidDefinition,
                "the filter \(filter) is refused: \(error.reason)",
                table: table
            )
        }
    }
}
