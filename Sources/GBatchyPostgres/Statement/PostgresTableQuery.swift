import GBatchy
import GBatchySQLCore
import PostgresNIO

/// Appends one array per key column to the bindings and returns the indexes of the keys it bound (a key no row can
/// match, such as text containing NUL, is left out).
typealias PostgresKeyBinder<Identity> = @Sendable ([Identity], inout PostgresBindings) throws -> [Int]

/// The SQL side of one PostgreSQL loader: its identifiers, its statement (built after checking the schema, and again
/// after the schema changed), and the query of one batch.
///
/// A batch's keys are bound as one array per key column and numbered by `unnest(…) WITH ORDINALITY`; every row comes
/// back with the position of the key it matched, so it goes to exactly that key:
/// `SELECT "t"."id", "t"."name", "k"."position" AS "gbatchy_position" FROM unnest($1) WITH ORDINALITY AS
/// "k"("value", "position") JOIN "users" AS "t" ON "t"."id" = "k"."value"`. PostgreSQL's `=` on the key column's
/// type decides what matches, as `WHERE "id" = $1` would.
///
/// `Sendable`: its identifiers are constants and the built statement sits behind a lock.
final class PostgresTableQuery<Identity: Hashable & Sendable, Row: Sendable>: Sendable {
    typealias KeyBinder = PostgresKeyBinder<Identity>
    /// Decodes one result row (the statement's SQL, for errors).
    typealias RowDecoding = @Sendable (PostgresRandomAccessRow, String) throws -> Row

    let source: PostgresSource
    let table: String
    /// The key columns: one, or those of a composite key; for a many-to-many loader, the join table's `from`.
    let keyColumns: [String]
    let shape: PostgresShape
    /// The columns `Row` decodes, or `nil` to select every column of the table.
    let columns: [DecodedColumn]?
    private let bindKeys: KeyBinder
    private let decodeRow: RowDecoding
    /// For keys whose value read back is exactly the key (integers, UUIDs): the key of a key column value, which lets
    /// a plain statement match rows by value, `WHERE "t"."id" = ANY($1)`, as a hand-written query does.
    private let readKey: (@Sendable (PostgresCell) throws -> Identity)?
    /// Whether the built statement matches rows by value (`gbatchy_key`) rather than by key position.
    private let matchesByValue = Locked(false)

    /// Decodes one row of this loader's type.
    func decode(_ row: PostgresRandomAccessRow, _ sql: String) throws -> Row { try decodeRow(row, sql) }
    private let statement = Locked<String?>(nil)
    /// The table's schema as last read, for the statements built from it (the by-key statement, list queries).
    private let schema = Locked<PostgresTableSchema?>(nil)
    /// The table's primary key as the built statement selects it for identity priming (`gbatchy_identity`), or `nil`.
    private let identityColumn = Locked<String?>(nil)
    /// For a page loader, how many values its cursors hold, once its statement is built.
    private let builtCursorWidth = Locked(0)

    init(
        source: PostgresSource,
        table: String,
        keyColumns: [String],
        shape: PostgresShape,
        columns: [DecodedColumn]?,
        bindKeys: @escaping KeyBinder,
        decodeRow: @escaping RowDecoding,
        readKey: (@Sendable (PostgresCell) throws -> Identity)? = nil
    ) {
        self.readKey = readKey
        self.source = source
        self.table = table
        self.keyColumns = keyColumns
        self.shape = shape
        self.columns = columns
        self.bindKeys = bindKeys
        self.decodeRow = decodeRow
    }

    /// The key column, or the composite key's columns, for errors and names.
    var keyName: String { keyColumns.count == 1 ? keyColumns[0] : "(" + keyColumns.joined(separator: ", ") + ")" }

    /// The rows a batch read, each with the index in the batch of its key, in the order of the query; and, by index,
    /// the keys whose rows failed to decode (only those keys fail).
    typealias Fetched = (rows: [(index: Int, row: Row)], failures: [Int: any Error])

    /// Reads the rows of `keys` in one statement. No statement runs when no key can match.
    func fetch(_ keys: [Identity]) async throws -> Fetched {
        let filter = try shape.checkedFilter(table: table)
        var keyBindings = PostgresBindings(capacity: keyColumns.count + shape.filterValues.count + 1)
        let sent = try bindKeys(keys, &keyBindings)
        guard !sent.isEmpty else { return ([], [:]) }
        var sql = try await checkedStatement(filter: filter)
        var bindings = keyBindings
        try appendValues(shape.filterValues, to: &bindings, sql: sql, table: table)
        if let limit = shape.limit { bindings.append(limit) }
        let rows: [PostgresRow]
        do {
            rows = try await source.read(sql, bindings, keyCount: sent.count, table: table)
        } catch let error as PostgresSourceError where error.sqlState == "42703" || error.sqlState == "42P01" {
            // An undefined column or table: the schema changed since the statement was built. Check it again (which
            // throws the missing table or column), and run again once if the statement changed.
            forgetSchema()
            let rebuilt = try await checkedStatement(filter: filter)
            guard rebuilt != sql else { throw error }
            sql = rebuilt
            rows = try await source.read(sql, bindings, keyCount: sent.count, table: table)
        }
        var result: [(index: Int, row: Row)] = []
        result.reserveCapacity(rows.count)
        var failures: [Int: any Error] = [:]
        let primary = identityColumn.withLock { $0 }
        let primers = primary.map { source.identities.primers(table: table, rowType: Row.self, primaryKey: $0) } ?? []
        var identities: [PostgresCell] = []
        var primed: [Row] = []
        var indexes: [Identity: Int] = [:]
        let byValue = matchesByValue.withLock { $0 }
        if byValue { for index in sent { indexes[keys[index]] = index } }
        for row in rows {
            let cells = row.makeRandomAccess()
            let index: Int
            if byValue, let readKey {
                guard let found = indexes[try readKey(cells["gbatchy_key"])] else {
                    throw PostgresSourceError(.server, "a row's key is no key of the batch", table: table, sql: sql)
                }
                index = found
            } else {
                let position = try cells["gbatchy_position"].decode(Int.self)
                guard position >= 1, position <= sent.count else {
                    throw PostgresSourceError(
                        .server,
                        "a row came back with key position \(position)",
                        table: table,
                        sql: sql
                    )
                }
                index = sent[position - 1]
            }
            guard failures[index] == nil else { continue }
            do {
                let decoded = try decodeRow(cells, sql)
                result.append((index, decoded))
                if !primers.isEmpty, cells.contains("gbatchy_identity") {
                    identities.append(cells["gbatchy_identity"])
                    primed.append(decoded)
                }
            } catch {
                failures[index] = error
            }
        }
        // Here, in the batch's task, where the context is bound.
        for primer in primers { primer.primeRows(identities, primed) }
        return (result, failures)
    }

    /// Builds the statement if it is not built yet and returns how many values a page cursor holds (0 for a loader
    /// that does not answer pages).
    func cursorWidth() async throws -> Int {
        _ = try await checkedStatement(filter: try shape.checkedFilter(table: table))
        return builtCursorWidth.withLock { $0 }
    }

    /// The statement, checking the schema on first use. A failed check is not remembered.
    private func checkedStatement(filter: FilterExpression?) async throws -> String {
        if let statement = statement.withLock({ $0 }) { return statement }
        let schema = try await tableSchema()
        var through: PostgresTableSchema?
        if let joinTable = shape.through { through = try await PostgresTableSchema.read(joinTable.table, from: source) }
        let built: String
        do {
            built = try build(schema, through: through, filter: filter)
        } catch {
            // A column the statement needs is not there: the next statement reads the schema again.
            forgetSchema()
            throw error
        }
        statement.withLock { $0 = built }
        return built
    }

    /// The table's schema: read on first use, and again after ``forgetSchema()`` (after a statement could not be built
    /// from it, or the server no longer knew a table or column of it). A failed read is not remembered.
    func tableSchema() async throws -> PostgresTableSchema {
        if let schema = schema.withLock({ $0 }) { return schema }
        let read = try await PostgresTableSchema.read(table, from: source)
        schema.withLock { $0 = read }
        return read
    }

    /// Forgets the schema and the statement built from it: the server said a table or column is not there (42P01,
    /// 42703), so the next statement is built from the schema as it is now.
    func forgetSchema() {
        schema.withLock { $0 = nil }
        statement.withLock { $0 = nil }
    }

    /// Builds the statement from the table's (and join table's) real columns, or throws ``PostgresSourceError``.
    func build(_ schema: PostgresTableSchema, through: PostgresTableSchema?, filter: FilterExpression?) throws -> String
    {
        func qualified(_ column: String, _ alias: String = "t") -> String { "\(quoted(alias)).\(quoted(column))" }
        let keyNames = keyColumns.count == 1 ? ["value"] : keyColumns.indices.map { "v\($0)" }
        let arrays = keyColumns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let keysFrom =
            "unnest(\(arrays)) WITH ORDINALITY AS \"k\"(" + keyNames.map(quoted).joined(separator: ", ")
            + ", \"position\")"
        var next = keyColumns.count + 1
        let target: String
        if let filter {
            target = "(SELECT * FROM \(quoted(schema.name)) WHERE (\(filter.parameterized(startingAt: next)))) AS \"t\""
            next += filter.parameterOffsets.count
        } else {
            target = "\(quoted(schema.name)) AS \"t\""
        }

        // The key match, and what the keys are joined with: the table, or the join table and then the table.
        let innerFrom: String
        let match: String
        let joined: String
        if let joinTable = shape.through, let through {
            let from = try through.column(joinTable.from, role: "the from column")
            let to = try through.column(joinTable.to, role: "the to column")
            guard schema.primaryKey.count == 1 else {
                throw PostgresSourceError(
                    .invalidDefinition,
                    "\(schema.name) needs a single-column primary key for the join through \(through.name)",
                    table: schema.name
                )
            }
            let joinTarget = "JOIN \(target) ON \(qualified(schema.primaryKey[0])) = \(qualified(to, "j"))"
            innerFrom = "\(quoted(through.name)) AS \"j\" \(joinTarget)"
            match = "\(qualified(from, "j")) = \"k\".\"value\""
            joined =
                "\(keysFrom) JOIN \(quoted(through.name)) AS \"j\" ON \(match) AND \(qualified(from, "j")) = ANY($1) "
                + joinTarget
        } else {
            innerFrom = target
            match = try zip(keyColumns, keyNames).map { column, name in
                "\(qualified(try schema.column(column, role: "the key column"))) = \"k\".\(quoted(name))"
            }.joined(separator: " AND ")
            // `= ANY` of the same arrays, the same operator as the join: it lets the planner read the key column's
            // index for the keys alone, where the join by itself may scan the whole index (a merge join).
            let prefilter = try zip(keyColumns.indices, keyColumns).map { index, column in
                "\(qualified(try schema.column(column, role: "the key column"))) = ANY($\(index + 1))"
            }.joined(separator: " AND ")
            joined = "\(keysFrom) JOIN \(innerFrom) ON \(match) AND \(prefilter)"
        }

        switch shape.aggregate {
        case .count:
            return "SELECT \"k\".\"position\" AS \"gbatchy_position\", (SELECT count(*) FROM \(innerFrom) WHERE "
                + "\(match)) AS \"gbatchy_value\" FROM \(keysFrom)"
        case .exists:
            return "SELECT \"k\".\"position\" AS \"gbatchy_position\" FROM \(keysFrom) WHERE EXISTS (SELECT 1 FROM "
                + "\(innerFrom) WHERE \(match))"
        case nil:
            break
        }

        var selected: [String] = []
        if let columns {
            for column in columns {
                guard let name = schema.real(column.name) else {
                    if column.isOptional { continue }  // decodes as nil
                    _ = try schema.column(column.name, role: "decoded by \(Row.self):")
                    continue
                }
                selected.append(name == column.name ? qualified(name) : "\(qualified(name)) AS \(quoted(column.name))")
            }
        } else {
            selected = ["\"t\".*"]
        }
        // The primary key, for identity priming, under a name of its own.
        var identity: String?
        if shape.primesIdentity, schema.primaryKey.count == 1 {
            identity = schema.primaryKey[0]
            selected.append("\(qualified(schema.primaryKey[0])) AS \"gbatchy_identity\"")
        }
        identityColumn.withLock { $0 = identity }
        let order = try shape.orderBy.map { try schema.column($0, role: "the orderBy column") }
        let orderClause = order.map { "\(qualified($0))" + (shape.descending ? " DESC" : "") }

        if shape.pages, let order {
            // Each key's rows after its cursor, at most its size: the cursor is the last row's `orderBy` value and
            // primary key (the tie-break), as text, cast back to the columns' types; `has_after` is false for a
            // first page. The row comparison `(o, pk) > (…)` reads the index on (key, o) when there is one.
            let cursorColumns = [order] + schema.primaryKey.filter { $0 != order }
            builtCursorWidth.withLock { $0 = cursorColumns.count }
            let cursorNames = cursorColumns.indices.map { "c\($0)" }
            let arrays = (1...(3 + cursorColumns.count)).map { "$\($0)" }.joined(separator: ", ")
            let pagedKeys =
                "unnest(\(arrays)) WITH ORDINALITY AS \"k\"(\"value\", \"size\", \"has_after\", "
                + cursorNames.map(quoted).joined(separator: ", ") + ", \"position\")"
            let rowValues = cursorColumns.map { qualified($0) }.joined(separator: ", ")
            let cursorValues = zip(cursorColumns, cursorNames).map { column, name in
                "\"k\".\(quoted(name))::\(schema.types[column] ?? "text")"
            }.joined(separator: ", ")
            let direction = shape.descending ? " DESC" : ""
            let cursorSelect = zip(cursorColumns, cursorNames).map { column, name in
                "\(qualified(column))::text AS \(quoted("gbatchy_" + name))"
            }
            return "SELECT \"s\".*, \"k\".\"position\" AS \"gbatchy_position\" FROM \(pagedKeys) CROSS JOIN LATERAL "
                + "(SELECT \((selected + cursorSelect).joined(separator: ", ")) FROM \(innerFrom) WHERE \(match) AND "
                + "(NOT \"k\".\"has_after\" OR (\(rowValues)) \(shape.descending ? "<" : ">") (\(cursorValues))) ORDER BY "
                + cursorColumns.map { qualified($0) + direction }.joined(separator: ", ")
                + " LIMIT \"k\".\"size\") AS \"s\""
        }

        // Integer and UUID keys on a column of their kind read back exactly as bound: the plain statement matches
        // rows by value, `= ANY($1)` alone, which is what a hand-written query sends.
        let valueTypes: Set<String> = ["bigint", "integer", "smallint", "uuid"]
        if readKey != nil, keyColumns.count == 1, shape.limit == nil, shape.through == nil, !shape.pages,
            let key = schema.real(keyColumns[0]), let type = schema.types[key], valueTypes.contains(type)
        {
            matchesByValue.withLock { $0 = true }
            let keyed = selected + ["\(qualified(key)) AS \"gbatchy_key\""]
            return "SELECT \(keyed.joined(separator: ", ")) FROM \(innerFrom) WHERE \(qualified(key)) = ANY($1)"
                + (orderClause.map { " ORDER BY \(qualified(key)), \($0)" } ?? "")
        }
        matchesByValue.withLock { $0 = false }

        if shape.limit != nil {
            // Each key's first rows, read by the key column's index one key at a time.
            return "SELECT \"s\".*, \"k\".\"position\" AS \"gbatchy_position\" FROM \(keysFrom) CROSS JOIN LATERAL "
                + "(SELECT \(selected.isEmpty ? "1" : selected.joined(separator: ", ")) FROM \(innerFrom) WHERE \(match)"
                + (orderClause.map { " ORDER BY \($0)" } ?? "") + " LIMIT $\(next)) AS \"s\""
        }
        return "SELECT \((selected + ["\"k\".\"position\" AS \"gbatchy_position\""]).joined(separator: ", ")) FROM "
            + joined + (orderClause.map { " ORDER BY \"k\".\"position\", \($0)" } ?? "")
    }
}
