import Foundation

/// The column names that `T.init(from:)` asks for, in order and without duplicates.
///
/// Runs `T.init(from:)` against a recording decoder that hands out placeholder values (0, "", false, the Unix epoch,
/// a fixed UUID, empty data, the first case of a `CaseIterable` type) and records each key requested, including
/// optional ones. A table loader uses it to select only the columns a type needs.
///
/// - Parameter type: A `Decodable` type decoded from rows by column name.
/// - Returns: The column names, or `nil` when discovery could not complete (for example a type that decodes from a
///   single value, or an enum without `CaseIterable` whose placeholder raw value is not a case); the caller then
///   selects all columns.
package func decodedColumnNames<T: Decodable>(_ type: T.Type) -> [String]? {
    decodedColumns(type)?.map(\.name)
}

/// The columns that `T.init(from:)` asks for, in order and without duplicates, each with whether it is optional.
///
/// A column requested both ways (for example `contains` and then `decode`) is required.
///
/// - Parameter type: A `Decodable` type decoded from rows by column name.
/// - Returns: The columns, or `nil` when discovery could not complete (see ``decodedColumnNames(_:)``).
package func decodedColumns<T: Decodable>(_ type: T.Type) -> [DecodedColumn]? {
    let recorder = ColumnRecorder()
    do {
        _ = try T(from: RecordingDecoder(recorder: recorder))
    } catch {
        return nil
    }
    if recorder.names.isEmpty { return nil }
    return recorder.names.map { DecodedColumn(name: $0, isOptional: !recorder.required.contains($0)) }
}

/// Not Sendable: lives for one synchronous discovery run.
private final class ColumnRecorder {
    var names: [String] = []
    var seen: Set<String> = []
    var required: Set<String> = []

    func record(_ name: String, optional: Bool = false) {
        if seen.insert(name).inserted { names.append(name) }
        if !optional { required.insert(name) }
    }
}

private struct DiscoveryFailure: Error {}

private func firstCase<C: CaseIterable>(of type: C.Type) -> Any? {
    type.allCases.first
}

/// A placeholder for `T`, or a thrown error when none can be made.
private func placeholder<T: Decodable>(_ type: T.Type) throws -> T {
    if let value = knownPlaceholder(type) { return value }
    if let caseIterable = T.self as? any CaseIterable.Type, let value = firstCase(of: caseIterable) as? T {
        return value
    }
    return try T(from: PlaceholderValueDecoder())
}

private func knownPlaceholder<T>(_ type: T.Type) -> T? {
    if T.self == Date.self { return Date(timeIntervalSince1970: 0) as? T }
    if T.self == UUID.self { return UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) as? T }
    if T.self == Data.self { return Data() as? T }
    if T.self == [UInt8].self { return [UInt8]() as? T }
    if T.self == String.self { return "" as? T }
    if T.self == Int.self { return 0 as? T }
    if T.self == Int64.self { return Int64(0) as? T }
    if T.self == Int32.self { return Int32(0) as? T }
    if T.self == Double.self { return 0.0 as? T }
    if T.self == Float.self { return Float(0) as? T }
    if T.self == Bool.self { return false as? T }
    return nil
}

private struct RecordingDecoder: Decoder {
    let recorder: ColumnRecorder
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingKeyedContainer<Key>(recorder: recorder))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw DiscoveryFailure() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw DiscoveryFailure() }
}

private struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: ColumnRecorder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool {
        recorder.record(key.stringValue, optional: true)
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.record(key.stringValue, optional: true)
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { record(key, false) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { record(key, "") }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { record(key, 0) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { record(key, 0) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { record(key, 0) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { record(key, 0) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { record(key, 0) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { record(key, 0) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { record(key, 0) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { record(key, 0) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { record(key, 0) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { record(key, 0) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { record(key, 0) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { record(key, 0) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        recorder.record(key.stringValue)
        return try placeholder(type)
    }

    private func record<T>(_ key: Key, _ value: T) -> T {
        recorder.record(key.stringValue)
        return value
    }

    // Optional fields get a placeholder too (not nil), so that code depending on them runs and records its keys.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        recorder.record(key.stringValue, optional: true)
        return try placeholder(type)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { recordOptional(key, false) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { recordOptional(key, "") }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { recordOptional(key, 0) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { recordOptional(key, 0) }

    private func recordOptional<T>(_ key: Key, _ value: T) -> T? {
        recorder.record(key.stringValue, optional: true)
        return value
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw DiscoveryFailure()
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw DiscoveryFailure() }
    func superDecoder() throws -> any Decoder { throw DiscoveryFailure() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw DiscoveryFailure() }
}

/// Decodes a single placeholder value, for nested types that decode from one value.
private struct PlaceholderValueDecoder: Decoder, SingleValueDecodingContainer {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DiscoveryFailure()
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw DiscoveryFailure() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { false }
    func decode(_ type: String.Type) throws -> String { "" }
    func decode(_ type: Double.Type) throws -> Double { 0 }
    func decode(_ type: Float.Type) throws -> Float { 0 }
    func decode(_ type: Int.Type) throws -> Int { 0 }
    func decode(_ type: Int8.Type) throws -> Int8 { 0 }
    func decode(_ type: Int16.Type) throws -> Int16 { 0 }
    func decode(_ type: Int32.Type) throws -> Int32 { 0 }
    func decode(_ type: Int64.Type) throws -> Int64 { 0 }
    func decode(_ type: UInt.Type) throws -> UInt { 0 }
    func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
    func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
    func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
    func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try placeholder(type) }
}
