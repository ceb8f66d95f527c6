import ClaudeCodeProxyKit
import CohereAdapter

await ClaudeCodeProxy.main(registry: AdapterRegistry.builtIn.registering(CohereAdapter.self))
