/// Flow control for one connection's reads: a read the connection asks for goes ahead only while nothing holds
/// reading back, so a fast sender (an upstream answering, a client uploading) never outruns the connection its
/// bytes are relayed to, and the bytes between them stay bounded by that connection's high-water mark.
///
/// It is NIO's `BackPressureHandler` made explicit and I/O-free: the channel handler asks ``read()`` before
/// passing a read on, and issues the held read when ``release(_:)`` or ``reset()`` returns `true`.
///
/// ```swift
/// var gate = ReadGate()
/// gate.hold(.peerFull)          // the client stopped taking bytes
/// gate.read()                   // false: the upstream's read waits
/// gate.release(.peerFull)       // true: issue the held read now
/// ```
public struct ReadGate: Sendable, Equatable {
    /// Why reading is held back; reading resumes when no reason is left.
    public struct Hold: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The connection the bytes are relayed to has more than its high-water mark queued.
        public static let peerFull = Hold(rawValue: 1 << 0)
        /// Bytes already read and not yet passed on exceed the high-water mark: an upload waiting for its
        /// upstream connection, or requests pipelined behind the one being served.
        public static let buffered = Hold(rawValue: 1 << 1)
    }

    /// The reasons holding reads back now.
    public private(set) var holds: Hold = []
    /// Whether a read was asked for while held, and waits.
    public private(set) var readWaiting = false

    public init() {}

    /// Whether reads go ahead.
    public var isOpen: Bool { self.holds.isEmpty }

    /// The connection asks to read. Returns whether the read goes ahead now; otherwise it waits until the gate opens.
    public mutating func read() -> Bool {
        guard self.holds.isEmpty else {
            self.readWaiting = true
            return false
        }
        return true
    }

    /// Holds reads back for `reason` (idempotent).
    public mutating func hold(_ reason: Hold) {
        self.holds.insert(reason)
    }

    /// Drops `reason`. Returns whether a waiting read must be issued now (the gate opened and a read waited).
    public mutating func release(_ reason: Hold) -> Bool {
        self.holds.remove(reason)
        return self.takeWaitingRead()
    }

    /// Holds for `reason` when `holding`, releases it otherwise. Returns what ``release(_:)`` returns.
    public mutating func set(_ reason: Hold, holding: Bool) -> Bool {
        if holding {
            self.hold(reason)
            return false
        }
        return self.release(reason)
    }

    /// Opens the gate for good (the exchange it served ended). Returns whether a waiting read must be issued now.
    public mutating func reset() -> Bool {
        self.holds = []
        return self.takeWaitingRead()
    }

    private mutating func takeWaitingRead() -> Bool {
        guard self.holds.isEmpty, self.readWaiting else { return false }
        self.readWaiting = false
        return true
    }
}
