/// Portkey's list: `{"success":true,"object":"list","total":N,"data":[…]}`.
struct PortkeyList<Item: Encodable>: Encodable {
    var success = true
    var object = "list"
    var total: Int
    var data: [Item]

    init(_ data: some Collection<Item>, total: Int? = nil) {
        self.data = Array(data)
        self.total = total ?? data.count
    }
}

/// Portkey's single item: the item's fields at the top level and again under `data`, with `success`.
/// (Portkey's SDKs read either, depending on the resource.)
struct PortkeyItem<Item: Encodable>: Encodable {
    var item: Item

    init(_ item: Item) { self.item = item }

    private enum Keys: String, CodingKey {
        case success, data
    }

    func encode(to encoder: any Encoder) throws {
        try self.item.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(true, forKey: .success)
        try container.encode(self.item, forKey: .data)
    }
}
