import ArgumentParser
import BuiltInAdapters
import ProxyCore

/// The `claude-code-proxy` command: `serve` (the default) runs the proxy, `check` checks a config, `code`
/// runs Claude Code through it, `keys` and `migrate` work on its store.
struct ProxyCommand: AsyncParsableCommand {
    /// The adapters config files may name, as `ClaudeCodeProxy.main` was given them.
    @TaskLocal static var registry = AdapterRegistry.builtIn

    static let configuration = CommandConfiguration(
        commandName: "claude-code-proxy",
        abstract: "Serve Anthropic's Messages API (Claude Code) on OpenAI-compatible providers.",
        version: ClaudeCodeProxy.version,
        subcommands: [ServeCommand.self, CheckCommand.self, CodeCommand.self, KeysCommand.self, MigrateCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
