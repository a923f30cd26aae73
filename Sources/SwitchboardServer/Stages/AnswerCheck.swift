import NIOCore

/// A JSON answer collected for its output hooks (docs/guardrails.md). With synchronous output guardrails the
/// client waits for their verdict: the answer's head and body are held and written (or replaced by a 446) once they
/// judged it. With only `async` ones the answer goes out as it comes and this is a copy.
struct AnswerCheck {
    /// The most of an answer collected: a larger one is judged too large to check (the guardrails fail closed).
    static let limit = 16 << 20

    /// Nothing is written to the client before the verdict.
    let holds: Bool
    /// The upstream's status.
    var status = 0
    /// A held answer's header lines (without the status line and the blank line that ends them).
    var head: ByteBuffer?
    var body: [UInt8] = []
    /// The answer passed ``limit``: its body was dropped.
    var overflowed = false

    init(holds: Bool) {
        self.holds = holds
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !self.overflowed else { return }
        guard self.body.count + bytes.count <= Self.limit else {
            self.overflowed = true
            self.body = []
            return
        }
        self.body.append(contentsOf: bytes)
    }
}
