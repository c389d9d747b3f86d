import Foundation

/// A `Date` that has no text form: not finite, or outside the years 0000 to 9999.
struct UnstorableDate: Error, CustomStringConvertible {
    let date: Date

    var description: String {
        "the Date \(date.timeIntervalSince1970) (Unix seconds) cannot be stored: only dates of the years 0000 to 9999"
            + " have a text form that reads back as a date"
    }
}
