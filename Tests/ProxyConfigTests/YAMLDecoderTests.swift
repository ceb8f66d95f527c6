import Testing

@testable import ProxyConfig

/// A config shaped like the proxy's, to prove typed decoding end to end.
struct YAMLSampleConfig: Decodable, Equatable {
    struct Server: Decodable, Equatable {
        var host: String
        var port: Int
        var apiKeys: [String]

        enum CodingKeys: String, CodingKey {
            case host, port
            case apiKeys = "api_keys"
        }
    }

    struct Provider: Decodable, Equatable {
        static let kinds = ["openai", "azure", "ollama"]
        var type: String
        var baseURL: String
        var apiKey: ConfigString?
        var deployments: [String: String]?

        enum CodingKeys: String, CodingKey {
            case type
            case baseURL = "base_url"
            case apiKey = "api_key"
            case deployments
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            guard Self.kinds.contains(type) else {
                throw YAMLError.invalidValue(
                    "unknown provider type '\(type)'; expected one of: \(Self.kinds.joined(separator: ", "))",
                    in: try container.superDecoder(forKey: .type))
            }
            baseURL = try container.decode(String.self, forKey: .baseURL)
            guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
                throw DecodingError.dataCorruptedError(
                    forKey: .baseURL, in: container, debugDescription: "expected an http:// or https:// URL, found '\(baseURL)'")
            }
            apiKey = try container.decodeIfPresent(ConfigString.self, forKey: .apiKey)
            deployments = try container.decodeIfPresent([String: String].self, forKey: .deployments)
        }
    }

    struct Target: Decodable, Equatable {
        var provider: String
        var model: String
    }

    struct Route: Decodable, Equatable {
        var match: String
        var provider: String
        var model: String
        var fallbacks: [Target]?
    }

    var server: Server
    var providers: OrderedYAMLMapping<Provider>
    var models: [Route]
}

let yamlSampleText = """
    server:
      host: 127.0.0.1
      port: 8082
      api_keys: [client-1, "client-2"]
    providers:
      openai:
        type: openai
        base_url: https://api.openai.com/v1
        api_key: ${OPENAI_API_KEY}
      azure:
        type: azure
        base_url: https://example.openai.azure.com
        api_key: ${AZURE_KEY}
        deployments:
          gpt-4o: prod-4o
          gpt-4o-mini: prod-mini
      local:
        type: ollama
        base_url: ${OLLAMA_URL:-http://localhost:11434}
    models:
      - match: "*haiku*"
        provider: local
        model: llama3.2
      - match: "*sonnet*"
        provider: azure
        model: gpt-4o
        fallbacks:
          - { provider: openai, model: gpt-4o }
    """

@Suite struct YAMLDecoderTests {
    @Test func sampleConfigDecodesExactly() throws {
        let config = try decodeYAML(YAMLSampleConfig.self, yamlSampleText, environment: ["OPENAI_API_KEY": "sk-test"])
        #expect(config.server == .init(host: "127.0.0.1", port: 8082, apiKeys: ["client-1", "client-2"]))
        #expect(config.providers.keys == ["openai", "azure", "local"])
        #expect(config.providers.entries[1].keyMark == YAMLMark(line: 10, column: 3))
        let openai = try #require(config.providers["openai"])
        #expect(openai.baseURL == "https://api.openai.com/v1")
        #expect(openai.apiKey == ConfigString(value: "sk-test", mark: YAMLMark(line: 9, column: 14)))
        let azure = try #require(config.providers["azure"])
        #expect(azure.apiKey?.value == "")
        #expect(azure.apiKey?.missingVariables == ["AZURE_KEY"])
        #expect(azure.apiKey?.isComplete == false)
        #expect(azure.deployments == ["gpt-4o": "prod-4o", "gpt-4o-mini": "prod-mini"])
        #expect(config.providers["local"]?.baseURL == "http://localhost:11434")
        #expect(config.providers["local"]?.apiKey == nil)
        #expect(
            config.models == [
                .init(match: "*haiku*", provider: "local", model: "llama3.2", fallbacks: nil),
                .init(
                    match: "*sonnet*", provider: "azure", model: "gpt-4o",
                    fallbacks: [.init(provider: "openai", model: "gpt-4o")]),
            ])
    }

    @Test func scalarsDecodeToEachSwiftType() throws {
        struct Scalars: Decodable, Equatable {
            var string: String
            var number: String
            var bool: Bool
            var int: Int
            var int8: Int8
            var uint16: UInt16
            var uint64: UInt64
            var double: Double
            var float: Float
            var quotedInt: Int
            var missing: String?
            var null: Int?
            var empty: Bool?
            var quotedNull: String?
            enum CodingKeys: String, CodingKey {
                case string, number, bool, int, int8, uint16, uint64, double, float, missing, null, empty
                case quotedInt = "quoted_int"
                case quotedNull = "quoted_null"
            }
        }
        let value = try decodeYAML(
            Scalars.self,
            """
            string: hello world
            number: 8080
            bool: True
            int: -0x10
            int8: -128
            uint16: 65535
            uint64: 18446744073709551615
            double: 1.5e3
            float: .inf
            quoted_int: "42"
            null: ~
            empty:
            quoted_null: 'null'
            """)
        #expect(
            value
                == Scalars(
                    string: "hello world", number: "8080", bool: true, int: -16, int8: -128, uint16: 65535,
                    uint64: .max, double: 1500, float: .infinity, quotedInt: 42, missing: nil, null: nil, empty: nil,
                    quotedNull: "null"))
    }

    @Test func dictionariesAndArraysDecodeAtTheTop() throws {
        let routes = try decodeYAML([String: [Int]].self, "a: [1, 2]\nb: []\n")
        #expect(routes == ["a": [1, 2], "b": []])
        let ordered = try decodeYAML(OrderedYAMLMapping<Int>.self, "z: 1\na: 2\nm: 3\n")
        #expect(ordered.keys == ["z", "a", "m"])
        #expect(ordered.values == [1, 2, 3])
    }

    @Test func mergedAndAliasedSectionsDecode() throws {
        struct Provider: Decodable, Equatable {
            var type: String
            var timeout: Int
        }
        let providers = try decodeYAML(
            [String: Provider].self,
            """
            a: &base { type: openai, timeout: 30 }
            b: { <<: *base, timeout: 5 }
            c: *base
            """)
        #expect(providers["b"] == Provider(type: "openai", timeout: 5))
        #expect(providers["c"] == Provider(type: "openai", timeout: 30))
    }

    @Test func decoderExposesMarkPathAndNodeToTypedCode() throws {
        struct Probe: Decodable {
            var mark: YAMLMark?
            var path: String
            var isMapping: Bool
            init(from decoder: any Decoder) throws {
                mark = decoder.yamlMark
                path = decoder.yamlPath
                if case .mapping? = decoder.yamlNode?.value { isMapping = true } else { isMapping = false }
                _ = try decoder.container(keyedBy: YAMLCodingKey.self).decode(Int.self, forKey: .init(stringValue: "x"))
            }
        }
        let probes = try decodeYAML([String: [Probe]].self, "list:\n  - x: 1\n  - { x: 2 }\n")
        let second = try #require(probes["list"]?[1])
        #expect(second.mark == YAMLMark(line: 3, column: 5))
        #expect(second.path == "list[1]")
        #expect(second.isMapping)
    }

    @Test func rawNodeFieldsAreKeptAndNotCheckedForUnknownKeys() throws {
        struct Settings: Decodable {
            var name: String
            var extra: YAMLNode
        }
        let settings = try decodeYAML(Settings.self, "name: x\nextra: { anything: [1, 2], goes: here }\n")
        #expect(settings.extra["goes"]?.text == "here")
    }

    @Test func emptyDocumentDecodesAsAnEmptyMapping() throws {
        struct AllOptional: Decodable { var server: String? }
        #expect(try decodeYAML(AllOptional.self, "# nothing yet\n").server == nil)
    }
}
