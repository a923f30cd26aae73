/// Two payloads written as one object: a resource's fields and the ones only some views of it have.
struct Merged<Base: Encodable, Extra: Encodable>: Encodable {
    var base: Base
    var extra: Extra?

    func encode(to encoder: any Encoder) throws {
        try self.base.encode(to: encoder)
        try self.extra?.encode(to: encoder)
    }
}
