// How a batch's rows become each key's answer, shared by the loader fronts.

/// Each key's one row (`nil` when it has none) from the rows a batch read: a key with two rows fails with
/// ``PostgresSourceError/Code/duplicateKey``, a key whose row failed to decode with its error.
func oneRowPerKey<Key, Row>(
    _ keys: [Key],
    _ fetched: (rows: [(index: Int, row: Row)], failures: [Int: any Error]),
    table: String,
    column: String
) -> [Result<Row?, any Error>] {
    var answers = [Result<Row?, any Error>](repeating: .success(nil), count: keys.count)
    var found = [Bool](repeating: false, count: keys.count)
    for (index, row) in fetched.rows where fetched.failures[index] == nil {
        if found[index] {
            answers[index] = .failure(
                PostgresSourceError(.duplicateKey, "two rows have the key \(keys[index])", table: table, column: column)
            )
        } else {
            found[index] = true
            answers[index] = .success(row)
        }
    }
    for (index, error) in fetched.failures { answers[index] = .failure(error) }
    return answers
}

/// Each key's rows, in the order read (`[]` when it has none), or the error of a row of it that failed to decode.
func rowsPerKey<Row>(
    _ count: Int,
    _ fetched: (rows: [(index: Int, row: Row)], failures: [Int: any Error])
) -> [Result<[Row], any Error>] {
    var groups = [[Row]](repeating: [], count: count)
    for (index, row) in fetched.rows { groups[index].append(row) }
    return groups.indices.map { index in fetched.failures[index].map { .failure($0) } ?? .success(groups[index]) }
}
