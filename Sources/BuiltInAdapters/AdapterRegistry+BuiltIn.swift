import GeminiAdapter
import ProxyCore

extension AdapterRegistry {
    /// OpenAI, Azure OpenAI and Ollama (chat-completions), OpenAI's and Azure's Responses API,
    /// Anthropic-native services, Google's Gemini API and Vertex AI.
    public static let builtIn: AdapterRegistry = {
        var registry = AdapterRegistry()
        registry.register(OpenAIAdapter.self)
        registry.register(AzureAdapter.self)
        registry.register(OllamaAdapter.self)
        registry.register(OpenAIResponsesAdapter.self)
        registry.register(AzureResponsesAdapter.self)
        registry.register(AnthropicAdapter.self)
        registry.register(GeminiAdapter.self)
        registry.register(VertexAdapter.self)
        return registry
    }()
}
