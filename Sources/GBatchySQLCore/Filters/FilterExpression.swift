/// A loader's fixed filter, read the way the database's tokenizer reads it, to check that it is one SQL expression
/// with only `?` parameters, and to find those parameters.
///
/// Quoted strings and identifiers may hold anything; outside them a `;`, a comment, a parenthesis that closes what the
/// filter did not open, a named or numbered parameter (`?1`, `:name`, `@name`, `$name`, `$1`), a dollar-quoted string
/// or a NUL character is refused. With balanced parentheses and no `;` the filter cannot end the expression it is
/// placed in (`… WHERE (filter)`), so it cannot add a clause or a statement. Both backends check their filters here;
/// each then binds the values its own way (SQLite's `?`, PostgreSQL's `$n`, see ``parameterized(startingAt:)``).
package struct FilterExpression: Sendable {
    /// How the backend quotes: SQLite also reads `` `name` `` and `[name]` as quoted identifiers; PostgreSQL reads
    /// `[` as a subscript and `E'…'` strings with backslash escapes.
    package enum Dialect: Sendable {
        case sqlite
        case postgres
    }

    /// The expression, as written.
    package let sql: String
    /// The offsets, in `sql`'s Unicode scalars, of its `?` parameters, in order.
    package let parameterOffsets: [Int]

    /// Checks `sql` and finds its parameters, or throws the reason it is refused.
    ///
    /// ```swift
    /// let filter = try FilterExpression("status = ? AND score > ?", valueCount: 2, dialect: .postgres)
    /// filter.parameterized(startingAt: 2)   // "status = $2 AND score > $3"
    /// ```
    ///
    /// - Parameters:
    ///   - sql: The filter.
    ///   - valueCount: The number of values given for its `?` parameters.
    ///   - dialect: How the backend's tokenizer quotes.
    /// - Throws: ``FilterExpressionRefusal`` saying why the filter is not one expression with `valueCount` `?`s.
    package init(_ sql: String, valueCount: Int, dialect: Dialect) throws(FilterExpressionRefusal) {
        func refuse(_ reason: String) -> FilterExpressionRefusal { FilterExpressionRefusal(reason: reason) }
        let scalars = Array(sql.unicodeScalars)
        var depth = 0
        var parameters: [Int] = []
        var index = 0
        var sawToken = false
        while index < scalars.count {
            let scalar = scalars[index]
            let quoteClose: Unicode.Scalar? =
                switch (scalar, dialect) {
                case ("'", _), ("\"", _): scalar
                case ("`", .sqlite): "`"
                case ("[", .sqlite): "]"
                default: nil
                }
            if let close = quoteClose {
                // A quoted string or identifier runs to its closing quote; a doubled quote is one quote inside it. In
                // PostgreSQL an `E'…'` string also escapes with a backslash.
                let escapes =
                    dialect == .postgres && scalar == "'" && index > 0
                    && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                    && (index < 2 || !isIdentifierPart(scalars[index - 2]))
                var end = index + 1
                while true {
                    guard end < scalars.count else { throw refuse("a quote or bracket is not closed") }
                    if scalars[end] == "\0" { throw refuse("it contains a NUL character") }
                    if escapes, scalars[end] == "\\" {
                        end += 2
                        continue
                    }
                    if scalars[end] == close {
                        if close != "]", end + 1 < scalars.count, scalars[end + 1] == close {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                index = end + 1
                sawToken = true
                continue
            }
            switch scalar {
            case ";":
                throw refuse("it contains ';' (a filter is one expression, not a statement)")
            case "\0":
                throw refuse("it contains a NUL character")
            case "-" where index + 1 < scalars.count && scalars[index + 1] == "-",
                "/" where index + 1 < scalars.count && scalars[index + 1] == "*":
                throw refuse("it contains a comment")
            case "(":
                depth += 1
            case ")":
                depth -= 1
                if depth < 0 { throw refuse("a ')' closes a parenthesis the filter did not open") }
            case "?":
                if index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                    throw refuse("numbered parameters (?NNN) are not supported; use '?'")
                }
                if dialect == .postgres, index + 1 < scalars.count, "|&-#".unicodeScalars.contains(scalars[index + 1]) {
                    throw refuse(
                        "PostgreSQL's ?\(scalars[index + 1]) operator would read as a parameter; use a function"
                    )
                }
                parameters.append(index)
            case "$" where index > 0 && isIdentifierPart(scalars[index - 1]):
                break  // `$` continues an unquoted identifier
            case "$":
                throw refuse("named, numbered or dollar-quoted parameters ($) are not supported; use '?'")
            case ":" where dialect == .postgres && index + 1 < scalars.count && scalars[index + 1] == ":":
                index += 2  // a PostgreSQL cast, `value::type`
                sawToken = true
                continue
            case ":":
                throw refuse("named parameters (:name) are not supported; use '?'")
            case "@" where dialect == .sqlite:
                throw refuse("named parameters (@name) are not supported; use '?'")
            default:
                break
            }
            if !scalar.properties.isWhitespace { sawToken = true }
            index += 1
        }
        guard sawToken else { throw refuse("it is empty") }
        guard depth == 0 else { throw refuse("a '(' is not closed") }
        guard parameters.count == valueCount else {
            throw refuse("it has \(parameters.count) '?' parameter(s) but \(valueCount) value(s) were given")
        }
        self.sql = sql
        self.parameterOffsets = parameters
    }

    /// The expression with its `?` parameters numbered `$first`, `$first + 1`, …, as PostgreSQL binds them.
    ///
    /// - Parameter first: The number of the first parameter.
    /// - Returns: The numbered expression.
    package func parameterized(startingAt first: Int) -> String {
        guard !parameterOffsets.isEmpty else { return sql }
        var result = String.UnicodeScalarView()
        var next = 0
        for (offset, scalar) in sql.unicodeScalars.enumerated() {
            if next < parameterOffsets.count, parameterOffsets[next] == offset {
                result.append(contentsOf: "$\(first + next)".unicodeScalars)
                next += 1
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}

/// Why a filter is not one SQL expression with the given number of `?` parameters.
package struct FilterExpressionRefusal: Error, Sendable {
    /// The reason, as a clause: "it contains ';' (a filter is one expression, not a statement)".
    package let reason: String
}

/// Whether `scalar` may continue an unquoted SQL identifier.
private func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "_" || scalar == "$" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
}
