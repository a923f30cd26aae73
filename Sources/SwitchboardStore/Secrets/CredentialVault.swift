import Crypto
import Foundation

/// Seals provider secrets before they reach the store and opens them when the snapshot loads: AES-256-GCM
/// under the master key, each secret bound to its credential's id (sealed text moved to another row will not
/// open). The master key comes from `SWITCHBOARD_MASTER_KEY` or a key file the gateway makes with mode 0600.
public struct CredentialVault: Sendable {
    private let key: SymmetricKey

    public enum Failure: Error, CustomStringConvertible {
        case weakPassphrase
        case unreadableKeyFile(String, String)
        case cannotOpen

        public var description: String {
            switch self {
            case .weakPassphrase:
                "SWITCHBOARD_MASTER_KEY must be at least 16 characters; `openssl rand -base64 32` makes a good one."
            case .unreadableKeyFile(let path, let why): "master key file \(path): \(why)"
            case .cannotOpen: "the secret does not open with this gateway's master key"
            }
        }
    }

    init(key: SymmetricKey) { self.key = key }

    /// A vault with a random key that lives as long as the process (tests).
    public static func ephemeral() -> CredentialVault { CredentialVault(key: SymmetricKey(size: .bits256)) }

    /// The vault for `SWITCHBOARD_MASTER_KEY`: 32 bytes in base64 are the key itself; any other text of at
    /// least 16 characters is stretched into one with HKDF-SHA256.
    public static func fromPassphrase(_ text: String) throws -> CredentialVault {
        if let raw = Data(base64Encoded: text), raw.count == 32 { return CredentialVault(key: SymmetricKey(data: raw)) }
        guard text.count >= 16 else { throw Failure.weakPassphrase }
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(text.utf8)),
            salt: Data("switchboard master key".utf8),
            info: Data("credentials v1".utf8),
            outputByteCount: 32
        )
        return CredentialVault(key: key)
    }

    /// The vault whose key is in `path` (base64), making the file (mode 0600, folder created) when missing.
    /// - Returns: the vault, and whether the file was made now.
    public static func fromKeyFile(_ path: String) throws -> (vault: CredentialVault, created: Bool) {
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let raw = Data(base64Encoded: text), raw.count == 32 else {
                throw Failure.unreadableKeyFile(path, "it does not hold 32 bytes in base64")
            }
            return (CredentialVault(key: SymmetricKey(data: raw)), false)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw Failure.unreadableKeyFile(path, "cannot create its folder (\(error))")
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        // Written whole to a private temporary file (0600 from the start), then linked into place: the key is
        // never readable by others, and replicas starting together all end up with the one that landed first.
        let temporary = "\(path).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw Failure.unreadableKeyFile(path, "cannot create it (\(String(cString: strerror(errno))))")
        }
        defer { unlink(temporary) }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == text.utf8.count, synced else {
            throw Failure.unreadableKeyFile(path, "cannot write it (\(String(cString: strerror(errno))))")
        }
        if link(temporary, path) != 0 {
            guard errno == EEXIST else {
                throw Failure.unreadableKeyFile(path, "cannot create it (\(String(cString: strerror(errno))))")
            }
            return (try Self.fromKeyFile(path).vault, false)
        }
        return (CredentialVault(key: key), true)
    }

    /// `secret` sealed for the credential `id`: `v1:` and base64 of nonce, ciphertext and tag.
    public func seal(_ secret: String, for id: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: self.key, authenticating: Data(id.utf8))
        return "v1:" + box.combined!.base64EncodedString()
    }

    /// The secret sealed by ``seal(_:for:)`` for `id`.
    /// - Throws: ``Failure/cannotOpen`` when the key, the id or the text differ.
    public func unseal(_ sealed: String, for id: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: self.key, authenticating: Data(id.utf8))
        else { throw Failure.cannotOpen }
        return String(decoding: plain, as: UTF8.self)
    }

    /// What listings show instead of a secret: its first four and last four characters, or only asterisks
    /// when it is too short to show any without giving much away.
    public static func mask(_ secret: String) -> String {
        guard secret.count >= 16 else { return "********" }
        return "\(secret.prefix(4))********\(secret.suffix(4))"
    }
}
