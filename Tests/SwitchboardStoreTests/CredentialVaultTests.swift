import Foundation
import SwitchboardStore
import Testing

/// The master key and the sealing of provider secrets.
@Suite struct CredentialVaultTests {
    @Test func aSecretOpensOnlyWithItsKeyAndItsCredential() throws {
        let vault = CredentialVault.ephemeral()
        let sealed = try vault.seal("sk-secret", for: "id-1")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("sk-secret"))
        #expect(try vault.unseal(sealed, for: "id-1") == "sk-secret")
        #expect(try vault.seal("sk-secret", for: "id-1") != sealed, "a fresh nonce every time")
        #expect(throws: CredentialVault.Failure.self) { try vault.unseal(sealed, for: "id-2") }
        #expect(throws: CredentialVault.Failure.self) { try CredentialVault.ephemeral().unseal(sealed, for: "id-1") }
        #expect(throws: CredentialVault.Failure.self) { try vault.unseal("v1:AAAA", for: "id-1") }
        #expect(throws: CredentialVault.Failure.self) { try vault.unseal("plain", for: "id-1") }
    }

    @Test func passphrasesAndRawKeysFromTheEnvironment() throws {
        let raw = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let sealed = try CredentialVault.fromPassphrase(raw).seal("s", for: "i")
        #expect(try CredentialVault.fromPassphrase(raw).unseal(sealed, for: "i") == "s")
        let phrase = try CredentialVault.fromPassphrase("correct horse battery staple")
        #expect(try phrase.unseal(try phrase.seal("s", for: "i"), for: "i") == "s")
        #expect(throws: CredentialVault.Failure.self) {
            try CredentialVault.fromPassphrase("correct horse battery stapler").unseal(
                try phrase.seal("s", for: "i"),
                for: "i"
            )
        }
        #expect(throws: CredentialVault.Failure.self) { try CredentialVault.fromPassphrase("short") }
    }

    @Test func theKeyFileIsMadeOnceWithOwnerOnlyPermissions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("keys/master.key").path
        let (first, created) = try CredentialVault.fromKeyFile(path)
        #expect(created)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let (second, createdAgain) = try CredentialVault.fromKeyFile(path)
        #expect(!createdAgain)
        #expect(try second.unseal(try first.seal("s", for: "i"), for: "i") == "s")

        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CredentialVault.Failure.self) { try CredentialVault.fromKeyFile(path) }
    }

    @Test func masksShowNoMoreThanEightCharacters() {
        #expect(CredentialVault.mask("sk-live-0123456789abcdef") == "sk-l********cdef")
        #expect(CredentialVault.mask("short-secret") == "********")
    }
}
