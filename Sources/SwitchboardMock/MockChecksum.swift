/// The checksum the mock's echo reports for a body (`body_checksum`), so a test can check that every byte of an
/// upload of megabytes arrived, in order, without the recorder keeping it: FNV-1a (64-bit) over the body's
/// little-endian 64-bit words, then its last bytes one at a time. Fast enough in debug builds; not cryptographic.
public enum MockChecksum {
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        let words = bytes.count / 8
        for index in 0..<words {
            hash =
                (hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
                &* prime
        }
        for byte in bytes[(words * 8)...] { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// The checksum of `bytes` as the echo writes it (lowercase hexadecimal).
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        String(Array(bytes).withUnsafeBytes { Self.of($0) }, radix: 16)
    }
}
