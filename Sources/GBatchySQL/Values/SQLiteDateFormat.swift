import Foundation

/// Hand-written conversions between `Date` and the text SQLite stores, without `DateFormatter`.
///
/// Writing always produces UTC `yyyy-MM-dd HH:mm:ss.SSS`. Reading accepts `yyyy-MM-dd`, `yyyy-MM-dd HH:mm`,
/// `yyyy-MM-dd HH:mm:ss`, any number of fraction digits, a `T` instead of the space, and an optional `Z` or
/// `±HH:MM` / `±HHMM` offset. Text without an offset is UTC.
enum SQLiteDateFormat {
    private static let secondsPerDay: Int64 = 86_400

    /// The first millisecond of the year 0000 (UTC), in Unix milliseconds.
    private static let firstMillisecond: Double = -62_167_219_200_000
    /// The first millisecond of the year 10000 (UTC), in Unix milliseconds: the end of the four-digit years.
    private static let endMillisecond: Double = 253_402_300_800_000

    /// A date's Unix milliseconds, rounded, if it is finite and of the years 0000 to 9999, the dates whose text reads
    /// back (and that SQLite's date functions understand); otherwise `nil`.
    static func milliseconds(of timeInterval: TimeInterval) -> Int64? {
        let milliseconds = (timeInterval * 1000).rounded()
        // NaN fails both comparisons; within the bounds the conversion is exact and cannot trap.
        guard milliseconds >= firstMillisecond, milliseconds < endMillisecond else { return nil }
        return Int64(milliseconds)
    }

    /// Whether a date read as Unix seconds, or parsed from text, can be written back.
    static func isStorable(_ timeInterval: TimeInterval) -> Bool {
        milliseconds(of: timeInterval) != nil
    }

    /// The date as UTC text `yyyy-MM-dd HH:mm:ss.SSS`, or `nil` when it is not finite or not of the years 0000 to
    /// 9999.
    static func string(from date: Date) -> String? {
        guard let milliseconds = milliseconds(of: date.timeIntervalSince1970) else { return nil }
        let seconds = floorDivide(milliseconds, 1000)
        let millisecond = Int(milliseconds - seconds * 1000)
        let days = floorDivide(seconds, secondsPerDay)
        let secondOfDay = Int(seconds - days * secondsPerDay)
        let (year, month, day) = civil(fromDays: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        append(Int(year), digits: 4, to: &bytes)  // 0...9999, checked above
        bytes.append(UInt8(ascii: "-"))
        append(month, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(day, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        append(secondOfDay / 3600, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, digits: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        append(millisecond, digits: 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func date(fromUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var parser = Parser(bytes: bytes)
        guard let year = parser.number(digits: 4), parser.consume("-"),
            let month = parser.number(digits: 2), parser.consume("-"),
            let day = parser.number(digits: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var secondOfDay = 0
        var fraction = 0.0
        var offset = 0
        if !parser.isAtEnd {
            guard parser.consume(" ") || parser.consume("T"),
                let hour = parser.number(digits: 2), parser.consume(":"),
                let minute = parser.number(digits: 2),
                hour < 24, minute < 60
            else { return nil }
            var second = 0
            if parser.consume(":") {
                guard let value = parser.number(digits: 2), value <= 60 else { return nil }
                second = value
                if parser.consume(".") {
                    guard let value = parser.fraction() else { return nil }
                    fraction = value
                }
            }
            secondOfDay = hour * 3600 + minute * 60 + second
            if parser.consume("Z") || parser.consume("z") {
                // UTC
            } else if let sign = parser.sign() {
                guard let hours = parser.number(digits: 2), hours < 24 else { return nil }
                _ = parser.consume(":")
                guard let minutes = parser.number(digits: 2), minutes < 60 else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            }
            guard parser.isAtEnd else { return nil }
        }
        let days = days(fromCivil: Int64(year), month, day)
        let seconds = days * secondsPerDay + Int64(secondOfDay - offset)
        let interval = Double(seconds) + fraction
        // An offset can carry 9999-12-31 into the year 10000 (or 0000-01-01 back into -1): not storable.
        guard isStorable(interval) else { return nil }
        return Date(timeIntervalSince1970: interval)
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, after H. Hinnant's public-domain algorithms)

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year: Int64, _ month: Int, _ day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func append(_ value: Int, digits: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        mutating func consume(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func number(digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }

        mutating func fraction() -> Double? {
            var value = 0.0
            var scale = 1.0
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if index - start < 9 {
                    value = value * 10 + Double(bytes[index] - UInt8(ascii: "0"))
                    scale *= 10
                }
                index += 1
            }
            return index > start ? value / scale : nil
        }

        mutating func sign() -> Int? {
            if consume("+") { return 1 }
            if consume("-") { return -1 }
            return nil
        }
    }
}
