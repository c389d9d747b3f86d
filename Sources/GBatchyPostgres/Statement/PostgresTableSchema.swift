import PostgresNIO

/// A table's columns and primary key as `information_schema` and `pg_index` give them, in the connection's
/// current schema.
struct PostgresTableSchema: Sendable {
    /// The table's name as stored (the name given, or its lower-case form, as an unquoted name would fold).
    let name: String
    let columns: [String]
    /// The columns of the primary key, in key order.
    let primaryKey: [String]
    /// Each column's type as SQL spells it (`bigint`, `timestamp without time zone`), by column.
    var types: [String: String] = [:]

    /// The real column named `name` (exactly, else as an unquoted name folds), or a ``PostgresSourceError``.
    func column(_ wanted: String, role: String) throws -> String {
        if let column = real(wanted) { return column }
        throw PostgresSourceError(
            .unknownColumn,
            "\(role) \(wanted) is not a column of \(name) (its columns: \(columns.joined(separator: ", ")))",
            table: name,
            column: wanted
        )
    }

    /// The real column named `wanted`, or `nil`.
    func real(_ wanted: String) -> String? {
        if columns.contains(wanted) { return wanted }
        let folded = wanted.lowercased()
        return columns.contains(folded) ? folded : nil
    }

    /// Reads the schema of `table`, or throws ``PostgresSourceError/Code/unknownTable``.
    static func read(_ table: String, from source: PostgresSource) async throws -> PostgresTableSchema {
        guard !table.utf8.contains(0) else {
            throw PostgresSourceError(.unknownTable, "no table is named \(String(reflecting: table))", table: table)
        }
        let sql =
            "SELECT c.table_name::text, c.column_name::text, "
            // `indkey` is an `int2vector`, numbered from 0: the column's place in the key counts from 1.
            + "coalesce(array_position(i.indkey::int2[], c.ordinal_position::int2) - array_lower(i.indkey::int2[], 1)"
            + " + 1, 0)::int4, format_type(a.atttypid, a.atttypmod) "
            + "FROM information_schema.columns AS c "
            + "JOIN pg_attribute AS a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))"
            + "::regclass AND a.attname = c.column_name "
            + "LEFT JOIN pg_index AS i ON i.indisprimary AND i.indrelid = "
            + "(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass "
            + "WHERE c.table_schema = current_schema() AND c.table_name IN ($1, lower($1)) "
            + "ORDER BY c.table_name = $1 DESC, c.ordinal_position"
        var bindings = PostgresBindings()
        bindings.append(table)
        let rows = try await source.read(sql, bindings, keyCount: nil, table: table)
        var name: String?
        var columns: [String] = []
        var keyPositions: [(Int32, String)] = []
        var types: [String: String] = [:]
        for row in rows {
            let (rowTable, column, keyPosition, type) = try row.decode((String, String, Int32, String).self)
            if name == nil { name = rowTable }
            guard rowTable == name else { break }
            columns.append(column)
            types[column] = type
            if keyPosition > 0 { keyPositions.append((keyPosition, column)) }
        }
        guard let name else {
            throw PostgresSourceError(
                .unknownTable,
                "no table or view named \(table) in the current schema",
                table: table
            )
        }
        return PostgresTableSchema(
            name: name,
            columns: columns,
            primaryKey: keyPositions.sorted { $0.0 < $1.0 }.map(\.1),
            types: types
        )
    }
}

/// `name` as an SQL identifier: in double quotes, with embedded double quotes doubled.
func quoted(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
