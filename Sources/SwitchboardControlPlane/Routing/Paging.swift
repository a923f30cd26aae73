/// Portkey's paging: `current_page` (from 0) and `page_size`.
enum Paging {
    static func page<T>(_ items: [T], query: [String: String], defaultSize: Int) throws -> ArraySlice<T> {
        let size = try Self.number(query, "page_size", defaultSize, 1...1000)
        let page = try Self.number(query, "current_page", 0, 0...1_000_000)
        let start = min(items.count, page * size)
        return items[start..<min(items.count, start + size)]
    }

    /// The query's integer `name`, `fallback` when absent.
    static func number(
        _ query: [String: String],
        _ name: String,
        _ fallback: Int,
        _ range: ClosedRange<Int>
    ) throws -> Int {
        guard let text = query[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIFailure(400, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }
}
