/// Field readers for translated request bodies: each refuses a wrong type with a 400 that names the field.
enum Read {
    static func string(_ value: JSONValue?, _ path: String) throws(GatewayError) -> String {
        guard let text = value?.string else { throw .invalidField(path, "must be a string") }
        return text
    }

    static func integer(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Int {
        guard let number = value?.int else { throw .invalidField(path, "must be an integer") }
        return number
    }

    static func number(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Double {
        guard let number = value?.number else { throw .invalidField(path, "must be a number") }
        return number
    }

    /// A string or an array of strings (`stop`), as an array.
    static func strings(_ value: JSONValue, _ path: String) throws(GatewayError) -> [String] {
        if let text = value.string { return [text] }
        let items = value.array?.compactMap(\.string)
        guard let items, items.count == value.array?.count else {
            throw .invalidField(path, "must be a string or an array of strings")
        }
        return items
    }
}
