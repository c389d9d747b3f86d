/// A custom SQL loader's statement with its `:keys` marker and `?` parameters numbered for PostgreSQL: the keys are
/// `$1`, the other values `$2`, `$3`, … in order.
///
/// The statement is read the way PostgreSQL's tokenizer reads it: quoted strings and identifiers, `E'…'` strings,
/// dollar-quoted strings and comments may hold anything; a `:keys`, `?` or `;` in them is text, not a marker.
struct PostgresSQLTemplate: Sendable {
    /// The statement as PostgreSQL runs it.
    let sql: String
    /// How many `?` parameters it had.
    let parameterCount: Int

    /// Numbers `sql`'s parameters, replacing its one `:keys` marker with `SELECT unnest($1)`, so that
    /// `customer_id IN (:keys)` reads every key of the batch; or throws the reason it is refused.
    init(_ sql: String) throws(PostgresTemplateRefusal) {
        let scalars = Array(sql.unicodeScalars)
        var result = String.UnicodeScalarView()
        var markers = 0
        var parameters = 0
        var index = 0
        func isWord(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
            // Copies scalars up to and including the first `close` at or after `start`.
            func copyThrough(_ close: [Unicode.Scalar], from start: Int, escapes: Bool = false)
                throws(PostgresTemplateRefusal)
            {
                var end = start
                while true {
                    guard end < scalars.count else {
                        throw PostgresTemplateRefusal(reason: "a quote or comment is not closed")
                    }
                    if escapes, scalars[end] == "\\" {
                        end += 2
                        continue
                    }
                    if end + close.count <= scalars.count, Array(scalars[end..<(end + close.count)]) == close { break }
                    end += 1
                }
                let stop = min(end + close.count, scalars.count)
                result.append(contentsOf: scalars[index..<stop])
                index = stop
            }
            switch scalar {
            case "'":
                let escapes = index > 0 && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                try copyThrough(["'"], from: index + 1, escapes: escapes)
            case "\"":
                try copyThrough(["\""], from: index + 1)
            case "-" where next == "-":
                try copyThrough(["\n"], from: index + 2)
            case "/" where next == "*":
                try copyThrough(["*", "/"], from: index + 2)
            case "$" where index == 0 || !isWord(scalars[index - 1]):
                // A dollar-quoted string `$tag$…$tag$`, or a numbered parameter, which the template does not take.
                var end = index + 1
                while end < scalars.count, isWord(scalars[end]) { end += 1 }
                guard end < scalars.count, scalars[end] == "$" else {
                    throw PostgresTemplateRefusal(reason: "numbered parameters ($1) are not supported; use '?'")
                }
                let tag = Array(scalars[index...end])
                try copyThrough(tag, from: end + 1)
            case ";":
                throw PostgresTemplateRefusal(reason: "it contains ';' (a loader runs one statement)")
            case "\0":
                throw PostgresTemplateRefusal(reason: "it contains a NUL character")
            case ":" where next == ":":
                result.append(contentsOf: "::".unicodeScalars)
                index += 2
            case ":":
                let word = "keys".unicodeScalars
                let end = index + 1 + word.count
                guard end <= scalars.count, scalars[(index + 1)..<end].elementsEqual(word),
                    end == scalars.count || !isWord(scalars[end])
                else {
                    throw PostgresTemplateRefusal(reason: "named parameters are not supported; use '?' (and :keys)")
                }
                markers += 1
                result.append(contentsOf: "SELECT unnest($1)".unicodeScalars)
                index = end
            case "?":
                parameters += 1
                result.append(contentsOf: "$\(parameters + 1)".unicodeScalars)
                index += 1
            default:
                result.append(scalar)
                index += 1
            }
        }
        guard markers == 1 else {
            throw PostgresTemplateRefusal(
                reason: "it must mark where the keys go with :keys exactly once (found \(markers))"
            )
        }
        self.sql = String(result)
        self.parameterCount = parameters
    }
}

/// Why a custom SQL loader's statement is refused.
struct PostgresTemplateRefusal: Error {
    let reason: String
}
