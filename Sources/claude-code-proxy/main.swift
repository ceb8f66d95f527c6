import ClaudeCodeProxyKit

// The command line with the built-in adapters; see `ClaudeCodeProxy.main`.
await ClaudeCodeProxy.main()
