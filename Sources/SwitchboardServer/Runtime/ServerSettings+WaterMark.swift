import NIOCore
import SwitchboardCore

extension ServerSettings {
    /// NIO's water marks for the configured high-water mark: a channel turns unwritable above it and writable
    /// again below half of it.
    var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark {
        .init(low: self.highWaterMark / 2, high: self.highWaterMark)
    }
}
