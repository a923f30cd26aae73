import Foundation

/// Portkey's generated slugs.
enum Slugs {
    /// `name` in slug letters: lowercase ASCII letters and digits, runs of anything else as one `-`.
    static func base(_ name: String) -> String {
        var base = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                base.append(character)
            } else if !base.hasSuffix("-") {
                base.append("-")
            }
        }
        return String(base.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(24))
    }

    /// Portkey's slug form, `<prefix><name>-<6 hex>` (`pc-` for configs).
    static func make(name: String, prefix: String = "pc-") -> String {
        let base = Self.base(name)
        let suffix = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return prefix + (base.isEmpty ? "" : base + "-") + String(repeating: "0", count: 6 - suffix.count) + suffix
    }
}
