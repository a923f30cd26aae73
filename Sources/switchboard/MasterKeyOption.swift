import ArgumentParser
import Foundation
import Logging
import SwitchboardServer
import SwitchboardStore

/// Where the master key that seals provider secrets comes from: `SWITCHBOARD_MASTER_KEY`, else a key file
/// (`--master-key-file`, `SWITCHBOARD_MASTER_KEY_FILE`, or `master.key` beside the SQLite file), made on first
/// start. Replicas sharing PostgreSQL must share the key: set `SWITCHBOARD_MASTER_KEY` on each.
enum MasterKeyOption {
    static let help = ArgumentHelp(
        "File holding the master key that encrypts provider secrets; made (mode 0600) when missing "
            + "(env SWITCHBOARD_MASTER_KEY_FILE; default: master.key beside the SQLite store, "
            + ".switchboard/master.key for PostgreSQL). SWITCHBOARD_MASTER_KEY, when set, wins.",
        valueName: "path"
    )

    static func vault(
        flag: String?,
        store location: String,
        environment: [String: String],
        logger: Logger
    ) throws -> CredentialVault {
        if let passphrase = environment["SWITCHBOARD_MASTER_KEY"], !passphrase.isEmpty {
            logger.info("master key from SWITCHBOARD_MASTER_KEY")
            return try CredentialVault.fromPassphrase(passphrase)
        }
        let path = flag ?? environment["SWITCHBOARD_MASTER_KEY_FILE"] ?? Self.defaultPath(store: location)
        let (vault, created) = try CredentialVault.fromKeyFile(path)
        if created {
            logger.notice(
                "made a new master key for provider secrets; keep it with the store (without it stored secrets cannot be read)",
                metadata: ["file": "\(path)"]
            )
        } else {
            logger.info("master key from file", metadata: ["file": "\(path)"])
        }
        if location.hasPrefix("postgres") {
            logger.warning(
                "the master key is a local file but the store is shared: set SWITCHBOARD_MASTER_KEY to one value on every replica"
            )
        }
        return vault
    }

    private static func defaultPath(store location: String) -> String {
        guard location.hasPrefix("sqlite:") else { return ".switchboard/master.key" }
        let folder = URL(fileURLWithPath: String(location.dropFirst("sqlite:".count))).deletingLastPathComponent()
        return folder.appendingPathComponent("master.key").path
    }
}
