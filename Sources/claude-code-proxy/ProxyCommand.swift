import ArgumentParser

/// The `claude-code-proxy` command: `serve` (the default) runs the proxy.
@main
struct ProxyCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "claude-code-proxy",
        abstract: "Serve Anthropic's Messages API (Claude Code) on OpenAI-compatible providers.",
        version: version,
        subcommands: [ServeCommand.self, CheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
