/// Edits to a JSON request body, expressed as byte-range replacements so the server can splice them into
/// the original buffer without re-encoding the rest of it.
public struct BodyPatch: Sendable, Equatable {
    /// A replacement of `range` (which may be empty, for an insertion) by `bytes`.
    public struct Replacement: Sendable, Equatable {
        public var range: Range<Int>
        public var bytes: [UInt8]
    }

    /// Sorted by position, never overlapping.
    public private(set) var replacements: [Replacement] = []

    public init() {}

    public var isEmpty: Bool { self.replacements.isEmpty }

    /// The length of the body after the patch is applied to a body of `originalLength` bytes.
    public func patchedLength(originalLength: Int) -> Int {
        self.replacements.reduce(originalLength) { $0 - $1.range.count + $1.bytes.count }
    }

    /// Builds the patch that sets the top-level `model` and the `overrides` (raw JSON values by key; they win
    /// over the body's values, as Portkey's `override_params` do), adds the `defaults` the body lacks, and
    /// removes the members named in `removing`.
    /// - Parameters:
    ///   - body: the original body, already inspected.
    ///   - inspection: its ``RequestInspection``.
    ///   - model: the model to send upstream, or `nil` to leave the body's model as it is.
    ///   - overrides: JSON-encoded values to set, in order.
    public static func make(
        body: UnsafeRawBufferPointer,
        inspection: RequestInspection,
        model: String?,
        overrides: [(key: String, json: [UInt8])] = [],
        defaults: [(key: String, json: [UInt8])] = [],
        removing removedKeys: [String] = []
    ) -> BodyPatch {
        var patch = BodyPatch()
        var keptMembers = inspection.layout.memberCount
        // A key that an override sets is overwritten instead.
        let removable = removedKeys.filter { key in !overrides.contains { $0.key == key } && key != "model" }
        if !removable.isEmpty {
            keptMembers = patch.removeMembers(removable, from: body)
        }
        var pending = overrides
        // The model's place is known from the inspection: set it (from an override or `model`) without a scan.
        let modelOverride = pending.firstIndex { $0.key == "model" }
        let modelJSON = modelOverride.map { pending[$0].json } ?? model.map { Array(JSONString.quote($0).utf8) }
        if let modelJSON, let range = inspection.modelRange {
            if let modelOverride { pending.remove(at: modelOverride) }
            if !body[range].elementsEqual(modelJSON) {
                patch.replacements.append(Replacement(range: range, bytes: modelJSON))
            }
        } else if let modelJSON, modelOverride == nil {
            pending.append((key: "model", json: modelJSON))
        }
        guard !pending.isEmpty || !defaults.isEmpty else {
            patch.replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
            return patch
        }
        // Overrides need the spans of arbitrary keys: a second scan, off the common path.
        var found: [Int: Range<Int>] = [:]
        var present: Set<String> = []
        _ = try? JSONScanner.scanObject(body) { key, value in
            for (index, override) in pending.enumerated() where key.elementsEqual(override.key.utf8) {
                found[index] = value.range
            }
            for fallback in defaults where key.elementsEqual(fallback.key.utf8) { present.insert(fallback.key) }
        }
        // A default goes in only where neither the body nor an override sets the key.
        for fallback in defaults
        where !present.contains(fallback.key) && fallback.key != "model"
            && !pending.contains(where: { $0.key == fallback.key })
        {
            pending.append(fallback)
        }
        var appended: [UInt8] = []
        var memberCount = keptMembers
        for (index, override) in pending.enumerated() {
            if let range = found[index] {
                patch.replacements.append(Replacement(range: range, bytes: override.json))
            } else {
                if memberCount > 0 { appended.append(UInt8(ascii: ",")) }
                appended += Array(JSONString.quote(override.key).utf8)
                appended.append(UInt8(ascii: ":"))
                appended += override.json
                memberCount += 1
            }
        }
        if !appended.isEmpty {
            let brace = inspection.layout.closingBrace
            patch.replacements.append(Replacement(range: brace..<brace, bytes: appended))
        }
        patch.replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
        return patch
    }

    /// Adds removals of the top-level members named `keys`, separators included, and returns how many members
    /// remain.
    private mutating func removeMembers(_ keys: [String], from body: UnsafeRawBufferPointer) -> Int {
        var members: [(start: Int, end: Int, removed: Bool)] = []
        _ = try? JSONScanner.scanObject(body) { key, value in
            let start = key.baseAddress! - body.baseAddress! - 1
            let removed = keys.contains { key.elementsEqual($0.utf8) }
            members.append((start, value.range.upperBound, removed))
        }
        guard members.contains(where: \.removed) else { return members.count }
        let lastKept = members.lastIndex { !$0.removed }
        for (index, member) in members.enumerated() where member.removed {
            if let lastKept, index < lastKept {
                // Up to the next member: the value, the comma and the whitespace after it.
                let next = members[members.index(after: index)...].first!.start
                self.replacements.append(Replacement(range: member.start..<next, bytes: []))
            } else if let lastKept {
                // Trailing members go with the comma after the last kept one; one range covers them all.
                if index == lastKept + 1 {
                    self.replacements.append(
                        Replacement(range: members[lastKept].end..<members.last!.end, bytes: [])
                    )
                }
            } else if index == 0 {
                self.replacements.append(Replacement(range: member.start..<members.last!.end, bytes: []))
            }
        }
        return members.count { !$0.removed }
    }

    /// Applies the patch to a copy of `body` (tests and cold paths; the server splices buffers instead).
    public func apply(to body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(self.patchedLength(originalLength: body.count))
        var cursor = 0
        for replacement in self.replacements {
            out += body[cursor..<replacement.range.lowerBound]
            out += replacement.bytes
            cursor = replacement.range.upperBound
        }
        out += body[cursor...]
        return out
    }
}
