/// One list query of a by-key loader (``TableLoader/list(where:_:orderBy:descending:limit:)``): the key of its list
/// loader, so that a request asking the same list twice in a context reads it once.
struct ListQuery: Hashable, Sendable {
    let filter: String?
    let values: [SQLiteValue]
    let orderBy: String?
    let descending: Bool
    let limit: Int?
}

extension TableSource {
    /// The rows of a list query, each with the value of its key column, in the query's order.
    ///
    /// Sends `SELECT <row columns>, "t"."key" FROM "table" AS "t" [WHERE (loader's filter) AND (filter)]
    /// [ORDER BY "t"."orderBy" [DESC]] [LIMIT ?]`: the row columns are those the by-key loader's statement selects
    /// (checked against the schema), the `orderBy` column is checked against the table's columns, the filters as any
    /// filter, and every value is bound: the loader's filter's, the list's, then the limit.
    func list(_ query: ListQuery) async throws -> [(key: SQLiteValue, row: Row)] {
        let filter = query.filter.map { SQLFilter(sql: $0, values: query.values) }
        try LoaderShape(filter: filter, limit: query.limit).check(table: table)
        try shape.check(table: table)
        let statement = try await checkedStatement()
        func qualified(_ name: String) -> String { "\"t\".\(sqlIdentifier(name))" }
        var sql = "SELECT \((statement.rowColumns + [qualified(keyColumn)]).joined(separator: ", "))"
        sql += " FROM \(sqlIdentifier(table)) AS \"t\""
        let filters = [shape.filter, filter].compactMap { $0?.sql }
        if !filters.isEmpty { sql += " WHERE " + filters.map { "(\($0))" }.joined(separator: " AND ") }
        if let orderBy = query.orderBy {
            guard !orderBy.contains("\0"),
                let column = statement.existingColumns.first(where: {
                    $0.caseInsensitiveCompare(orderBy) == .orderedSame
                })
            else {
                throw SchemaError.unknownColumn(
                    orderBy,
                    role: "the orderBy column",
                    table: table,
                    existingColumns: statement.existingColumns
                )
            }
            sql += " ORDER BY \(qualified(column))\(query.descending ? " DESC" : "")"
        }
        if query.limit != nil { sql += " LIMIT ?" }
        let values =
            try (shape.filter?.boundValues(table: table) ?? []) + query.values
            + (query.limit.map { [SQLiteValue.integer(Int64($0))] } ?? [])
        let keyIndex = Int32(statement.rowColumns.count)
        let (table, listSQL, decode) = (table, sql, reader.decode)
        do {
            return try await database.read { connection in
                try connection.withCachedStatement(listSQL) { prepared in
                    try prepared.bind(values, keyCount: 0, table: table)
                    var rows: [(key: SQLiteValue, row: Row)] = []
                    while try prepared.step() {
                        rows.append((prepared.value(at: keyIndex), try decode(prepared)))
                    }
                    return rows
                }
            }
        } catch let error as SQLiteSourceError where error.resultCode == .error || error.resultCode == .schema {
            // A column was dropped or renamed: the next list or batch checks the schema again.
            forgetStatement()
            throw error
        }
    }
}
