import Logging
import SwitchboardStore

/// What every API works with: the store, the gateway it runs in, a logger.
struct APIContext: Sendable {
    let store: any Store
    let host: any ControlPlaneHost
    let logger: Logger
}
