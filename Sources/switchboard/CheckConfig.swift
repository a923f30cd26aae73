import ArgumentParser
import Foundation
import SwitchboardCore

/// `switchboard check-config PATH`: validates a configuration file and prints every problem with its place.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print each error as file:line:column: key.path: message.",
        discussion: "Exits 0 when the file is valid, 1 otherwise. ${VAR} references are expanded from the environment."
    )

    @Argument(help: "The configuration file to check.")
    var path: String = "config/switchboard.yaml"

    func run() throws {
        let config = try ConfigFile.load(path: self.path, environment: ProcessInfo.processInfo.environment)
        let providers = config.providers.map { "\($0.slug) (\($0.kind.rawValue))" }.joined(separator: ", ")
        print("\(self.path): OK — \(config.providers.count) provider(s): \(providers)")
        if let route = config.defaultRoute {
            let target = route.config.map { "config \($0)" } ?? route.provider ?? ""
            print("default route: \(target)\(route.model.map { " (model \($0))" } ?? "")")
        }
        if !config.configs.isEmpty {
            print("configs: \(config.configs.keys.sorted().joined(separator: ", "))")
        }
    }
}
