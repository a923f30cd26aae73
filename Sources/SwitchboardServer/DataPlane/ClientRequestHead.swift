import NIOCore
import NIOHTTP1
import SwitchboardCore

/// A client's request head: the bytes as received and their parsed spans. Only the method and target become
/// strings; headers are looked up by name on demand and forwarded upstream as the lines they were.
struct ClientRequestHead {
    let bytes: ByteBuffer
    let parsed: RequestHead
    let method: HTTPMethod
    let uri: String

    init(bytes: ByteBuffer, parsed: RequestHead) {
        self.bytes = bytes
        self.parsed = parsed
        let (method, uri) = bytes.withUnsafeReadableBytes { raw in
            (
                String(decoding: UnsafeRawBufferPointer(rebasing: raw[parsed.method]), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: raw[parsed.target]), as: UTF8.self)
            )
        }
        self.method = HTTPMethod(rawValue: method)
        self.uri = uri
    }

    var minorVersion: Int { self.parsed.minorVersion }
    var isKeepAlive: Bool { self.parsed.isKeepAlive }

    /// The value of the first header named `lowercaseName` (compared ignoring case).
    func header(_ lowercaseName: StaticString) -> String? {
        self.bytes.withUnsafeReadableBytes { self.parsed.fields.value(of: lowercaseName, in: $0) }
    }

    func hasHeader(_ lowercaseName: StaticString) -> Bool {
        self.bytes.withUnsafeReadableBytes { raw in
            self.parsed.fields.headers.contains {
                UnsafeRawBufferPointer(rebasing: raw[$0.name]).equalsIgnoringCase(lowercaseName)
            }
        }
    }
}
