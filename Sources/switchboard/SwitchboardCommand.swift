import ArgumentParser

/// The `switchboard` command: the gateway and its tools.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A local LLM gateway: OpenAI-, Anthropic-, OpenRouter- and Portkey-compatible.",
        discussion: "Point any OpenAI-compatible client at http://localhost:8080/v1 and run `switchboard serve`.",
        subcommands: [Serve.self, CheckConfig.self, Migrate.self, APIKeyCommand.self],
        defaultSubcommand: Serve.self
    )
}
