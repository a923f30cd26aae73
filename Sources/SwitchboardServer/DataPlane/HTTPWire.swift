import NIOCore
import NIOHTTP1

/// Writing HTTP/1.1 heads straight into a ByteBuffer: the relay sends bytes it composed or received, never
/// HTTPHeaders run through an encoder.
enum HTTPWire {
    /// `HTTP/1.x 200 OK\r\n`.
    static func writeStatusLine(_ buffer: inout ByteBuffer, minorVersion: Int, status: Int) {
        buffer.writeStaticString(minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    /// `name: value\r\n`. Values come from parsed requests, the validated config or the gateway itself, none
    /// of which can hold CR or LF.
    @inline(__always)
    static func writeHeader(_ buffer: inout ByteBuffer, _ name: String, _ value: String) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// A chunk's size line (`1a2\r\n`), written digit by digit: filtered streams frame every event run.
    static func writeChunkSize(_ buffer: inout ByteBuffer, _ size: Int) {
        var shift = max(0, (Int.bitWidth - size.leadingZeroBitCount - 1) / 4 * 4)
        while shift >= 0 {
            buffer.writeInteger(Self.hexDigits[(size >> shift) & 0xF])
            shift -= 4
        }
        buffer.writeStaticString("\r\n")
    }

    /// Makes the readable bytes a chunk's data by writing their size line (`hex\r\n`) just before them, into room
    /// left there (at least 10 bytes), and making it readable: no copy of the data.
    static func prependChunkSize(_ buffer: inout ByteBuffer) {
        let size = buffer.readableBytes
        let digits = max(1, (Int.bitWidth - size.leadingZeroBitCount + 3) / 4)
        let start = buffer.readerIndex - digits - 2
        precondition(start >= 0, "no room for the chunk-size line")
        for index in 0..<digits {
            buffer.setInteger(Self.hexDigits[(size >> ((digits - 1 - index) * 4)) & 0xF], at: start + index)
        }
        buffer.setInteger(UInt16(0x0D0A), at: start + digits)
        buffer.moveReaderIndex(to: start)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `name: value\r\n` from received bytes (a header line normalised to CRLF).
    @inline(__always)
    static func writeHeader(_ buffer: inout ByteBuffer, _ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer)
    {
        buffer.writeBytes(name)
        buffer.writeStaticString(": ")
        buffer.writeBytes(value)
        buffer.writeStaticString("\r\n")
    }
}
