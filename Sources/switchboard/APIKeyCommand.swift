import ArgumentParser
import Foundation
import SwitchboardServer
import SwitchboardStore

/// `switchboard api-key create`: makes a gateway API key straight in the store — the way to get the first
/// key of a gateway that listens beyond loopback (where the API already needs one).
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Manage gateway API keys in the store.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print it (shown once; only its hash is stored).",
            discussion: """
                Scopes: inference (the /v1 model APIs), read (control-plane reads), admin (everything).
                Once any key exists, every API request needs one (Authorization: Bearer KEY or x-portkey-api-key).
                """
        )

        @Option(name: .long, help: "A name for the key.")
        var name: String

        @Option(name: .customLong("scope"), help: "A scope; repeat for several (default: inference).")
        var scopes: [String] = []

        @Option(name: .long, help: StoreOption.help)
        var store: String?

        func validate() throws {
            let unknown = self.scopes.filter { !APIKeys.scopes.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError(
                    "unknown scope \(unknown.joined(separator: ", ")); use \(APIKeys.scopes.sorted().joined(separator: ", "))"
                )
            }
        }

        func run() async throws {
            let store = try await StoreOption.open(self.store).store
            do {
                try await store.migrate()
                let key = APIKeys.generate()
                let record = APIKeys.record(
                    key: key,
                    name: self.name,
                    scopes: self.scopes.isEmpty ? ["inference"] : self.scopes
                )
                try await store.createAPIKey(record)
                await store.close()
                print(key)
                FileHandle.standardError.write(
                    Data(
                        "created API key \(record.id) (\(record.scopes.joined(separator: ", "))); it is shown only now\n"
                            .utf8
                    )
                )
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
