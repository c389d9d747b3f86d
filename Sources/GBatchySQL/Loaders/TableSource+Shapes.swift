extension TableSource {
    /// Builds the statement of a shaped loader (a filter, a limit per key, a join table, an aggregate) from the
    /// columns ``build(existing:keysSchema:keyColumnInfo:schemaVersion:shaped:)`` selected and checked.
    ///
    /// The keys are matched as in the plain statement (`"t"."key" = +"k"."value"`, the key column's collation
    /// deciding), and every shape adds to it, so that each still answers one key by its position in the bound array:
    /// - a filter reads the table through `(SELECT * FROM "table" AS "t" WHERE (filter)) AS "t"`, so that its
    ///   unqualified names can only be the table's (not `json_each`'s `key`, `value`, `type`…); SQLite flattens the
    ///   subquery;
    /// - a limit numbers each key's rows with `row_number() OVER (PARTITION BY "k"."key" ORDER BY …)` and keeps
    ///   those up to the limit, bound last;
    /// - a join table joins `"j"."from" = +"k"."value"` and then the table on its primary key, `"t"."pk" = "j"."to"`;
    /// - a count answers `count(*)` per key position, an exists `1` for each key with a row (`EXISTS`, which stops
    ///   at the first).
    ///
    /// Values are bound after the keys in the order their `?` appear: the filter's, then the limit. `keysTable` is
    /// the keys' table `"k"` (`json_each`), read once, before any value.
    func shapedStatement(
        selected rowColumns: [String],
        identityIndex: Int?,
        order: String?,
        keysSchema: String,
        keysTable: String,
        keyColumnInfo: KeyColumnInfo?,
        schema: Schema?,
        existing: [String],
        schemaVersion: Int64
    ) throws -> Statement {
        func qualified(_ name: String, _ alias: String = "t") -> String { "\"\(alias)\".\(sqlIdentifier(name))" }
        let values = try shape.boundValues(table: table)
        let keys = keysTable
        let target =
            shape.filter.map { "(SELECT * FROM \(sqlIdentifier(table)) AS \"t\" WHERE (\($0.sql))) AS \"t\"" }
            ?? "\(sqlIdentifier(table)) AS \"t\""
        func statement(_ sql: String, position: Int, identity: Int? = nil, ordered: Ordered? = nil) -> Statement {
            Statement(
                sql: sql,
                positionIndex: Int32(position),
                ordered: ordered,
                schemaVersion: schemaVersion,
                values: values,
                identityIndex: identity.map { Int32($0) },
                primaryKey: identity == nil ? nil : schema?.primaryKey,
                rowColumns: rowColumns,
                existingColumns: existing
            )
        }

        switch shape.aggregate {
        case .count:
            let sql =
                "SELECT count(*), \"k\".\"key\" FROM \(keys) JOIN \(target) ON \(qualified(keyColumn)) = +\"k\".\"value\""
                + " GROUP BY \"k\".\"key\""
            return statement(sql, position: 1)
        case .exists:
            let sql =
                "SELECT 1, \"k\".\"key\" FROM \(keys) WHERE EXISTS (SELECT 1 FROM \(target)"
                + " WHERE \(qualified(keyColumn)) = +\"k\".\"value\")"
            return statement(sql, position: 1)
        case nil:
            break
        }

        let from: String
        if let through = shape.through {
            guard let joinColumns = schema?.throughColumns else { throw SchemaError.unknownTable(through.table) }
            func require(_ name: String, role: String) throws -> String {
                guard !name.contains("\0"),
                    let column = joinColumns.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame })
                else {
                    throw SchemaError.unknownColumn(
                        name,
                        role: role,
                        table: through.table,
                        existingColumns: joinColumns
                    )
                }
                return column
            }
            let fromColumn = try require(through.from, role: "the from column")
            let toColumn = try require(through.to, role: "the to column")
            guard let primaryKey = schema?.primaryKey else {
                throw LoaderDefinitionError.noPrimaryKey(table: table, through: through.table)
            }
            from =
                "\(keys) JOIN \(sqlIdentifier(through.table)) AS \"j\" ON \(qualified(fromColumn, "j")) = +\"k\".\"value\""
                + " JOIN \(target) ON \(qualified(primaryKey)) = \(qualified(toColumn, "j"))"
        } else {
            from = "\(keys) JOIN \(target) ON \(qualified(keyColumn)) = +\"k\".\"value\""
        }

        // The primary key joins the row columns when the row type does not decode it, for identity priming.
        var selected = rowColumns
        var identity = identityIndex
        if identity == nil, shape.primesIdentity, let primaryKey = schema?.primaryKey {
            identity = selected.count
            selected.append(qualified(primaryKey))
        }
        let position = selected.count
        let direction = descending ? " DESC" : ""
        // Each row's columns, then its key's position (a row type may select no column at all).
        func columns(_ position: String) -> String { (selected + [position]).joined(separator: ", ") }

        if shape.limit != nil {
            let window = "PARTITION BY \"k\".\"key\"" + (order.map { " ORDER BY \(qualified($0))\(direction)" } ?? "")
            let sql =
                "SELECT * FROM (SELECT \(columns("\"k\".\"key\" AS \"gbatchy_key\"")), row_number() OVER (\(window))"
                + " AS \"gbatchy_rank\" FROM \(from)) WHERE \"gbatchy_rank\" <= ? ORDER BY \"gbatchy_key\", \"gbatchy_rank\""
            return statement(sql, position: position, identity: identity)
        }

        var sql = "SELECT \(columns("\"k\".\"key\"")) FROM \(from)"
        var ordered: Ordered?
        if let order {
            sql += " ORDER BY \"k\".\"key\", \(qualified(order))\(direction)"
            // A filtered group loader keeps the ordered `IN` form, the filter in its `WHERE` (its names can only be
            // the table's there too): keys first, then the filter's values, as in the join.
            if let filter = shape.filter, shape.through == nil, let keyColumnInfo, keyColumnInfo.isBinary {
                var inSelected = rowColumns
                var keyIndex = rowColumns.firstIndex(of: qualified(keyColumn))
                if keyIndex == nil {
                    keyIndex = inSelected.count
                    inSelected.append(qualified(keyColumn))
                }
                ordered = Ordered(
                    sql: "SELECT \(inSelected.joined(separator: ", ")) FROM \(sqlIdentifier(table)) AS \"t\" WHERE "
                        + "\(qualified(keyColumn)) IN (SELECT +value FROM \(keysSchema).json_each(?)) AND (\(filter.sql)) "
                        + "ORDER BY \(qualified(keyColumn)), \(qualified(order))\(direction)",
                    keyIndex: Int32(keyIndex ?? 0),
                    acceptsText: keyColumnInfo.keepsText,
                    identityIndex: identityIndex.map { Int32($0) }
                )
            }
        }
        return statement(sql, position: position, identity: identity, ordered: ordered)
    }
}
