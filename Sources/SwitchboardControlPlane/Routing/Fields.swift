import Foundation
import SwitchboardCore

/// A field of an update: left out (keep what is stored), `null` (clear it) or a value.
enum Patch<Value: Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    /// The value an update leaves: `current` when absent, `nil` when cleared.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }
}

/// Reading request fields with checks that name the field. A failed check is a `DecodingError` whose
/// description completes the sentence "'field' …", so ``APIFailure/init(decoding:)`` can say which field.
extension KeyedDecodingContainer {
    /// A failed check of `key`: "'key' \(description)".
    func invalid(_ key: Key, _ description: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: description)
    }

    /// `key` as `T`; absent and `null` are both "not given".
    func optional<T: Decodable>(_ type: T.Type = T.self, _ key: Key) throws -> T? {
        try self.decodeIfPresent(T.self, forKey: key)
    }

    /// Refuses `null` for `keys`, fields the schema does not make nullable (left out is how to not give them).
    func refuseNull(_ keys: [Key]) throws {
        for key in keys where self.contains(key) {
            if try self.decodeNil(forKey: key) { throw self.invalid(key, "must not be null (leave it out instead).") }
        }
    }

    /// A string that must be there and not blank.
    func name(_ key: Key, _ what: String) throws -> String {
        guard let text = try self.optional(String.self, key) else { throw self.invalid(key, "is required: \(what).") }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw self.invalid(key, "must be a non-empty string.")
        }
        return text
    }

    /// An integer (a JSON number with no fraction), checked against `range`.
    func integer(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        guard let number = try self.optional(Double.self, key) else { return nil }
        guard number.rounded() == number, Double(range.lowerBound) <= number, number <= Double(range.upperBound)
        else {
            throw self.invalid(key, "must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return Int(number)
    }

    /// A flag Portkey sends either way: `true`/`false` or `1`/`0`.
    func flag(_ key: Key) throws -> Bool? {
        guard self.contains(key), try !self.decodeNil(forKey: key) else { return nil }
        if let flag = try? self.decode(Bool.self, forKey: key) { return flag }
        if let number = try? self.decode(Int.self, forKey: key), number == 0 || number == 1 { return number == 1 }
        throw self.invalid(key, "must be 0, 1, true or false.")
    }

    /// One of `choices`.
    func choice(_ key: Key, _ choices: [String]) throws -> String? {
        guard let text = try self.optional(String.self, key) else { return nil }
        guard choices.contains(text) else {
            throw self.invalid(key, "must be \(choices.map { "\"\($0)\"" }.joined(separator: " or ")).")
        }
        return text
    }

    /// A JSON object, kept as it came.
    func object(_ key: Key, _ what: String = "an object") throws -> JSONValue? {
        guard let value = try self.optional(JSONValue.self, key) else { return nil }
        guard value.members != nil else { throw self.invalid(key, "must be \(what).") }
        return value
    }

    /// An update's view of `key`.
    func patch<T: Decodable & Sendable>(_ type: T.Type = T.self, _ key: Key) throws -> Patch<T> {
        guard self.contains(key) else { return .absent }
        if try self.decodeNil(forKey: key) { return .null }
        return .value(try self.decode(T.self, forKey: key))
    }
}

/// Any member name of a JSON object.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses members other than `known`: a field Switchboard does not take (an Azure deployment, a pricing
    /// adjustment, a rotation policy …) is a 400 that names it, not a setting silently dropped.
    func refuseFields(otherThan known: Set<String>) throws {
        let members = try self.container(keyedBy: AnyCodingKey.self)
        if let unknown = members.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw APIFailure(
                400,
                "'\(unknown)' is not a field Switchboard takes here (see docs/control-plane.md); it takes "
                    + "\(known.sorted().joined(separator: ", "))."
            )
        }
    }
}
