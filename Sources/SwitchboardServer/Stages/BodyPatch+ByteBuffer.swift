import NIOCore
import SwitchboardCore

extension BodyPatch {
    /// Splices the patch into a new buffer; the untouched parts are copied once, never re-encoded. An empty
    /// patch returns `body` itself.
    func applied(to body: ByteBuffer) -> ByteBuffer {
        guard !self.isEmpty else { return body }
        var out = ByteBuffer()
        out.reserveCapacity(self.patchedLength(originalLength: body.readableBytes))
        var cursor = 0
        for replacement in self.replacements {
            if let slice = body.getSlice(at: body.readerIndex + cursor, length: replacement.range.lowerBound - cursor) {
                out.writeImmutableBuffer(slice)
            }
            out.writeBytes(replacement.bytes)
            cursor = replacement.range.upperBound
        }
        if let rest = body.getSlice(at: body.readerIndex + cursor, length: body.readableBytes - cursor) {
            out.writeImmutableBuffer(rest)
        }
        return out
    }
}
