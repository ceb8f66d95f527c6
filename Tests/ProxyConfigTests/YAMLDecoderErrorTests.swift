import Testing

@testable import ProxyConfig

/// Every decoding failure names file, line, column, key path and what was expected — checked verbatim.
@Suite struct YAMLDecoderErrorTests {
    private func decodingError<T: Decodable>(
        _ type: T.Type = YAMLSampleConfig.self,
        _ text: String,
        environment: [String: String] = [:]
    ) -> String? {
        yamlError { try decodeYAML(type, text, environment: environment) }?.description
    }

    /// The sample with one line replaced.
    private func sample(replacing line: String, with replacement: String) -> String {
        precondition(yamlSampleText.contains(line))
        return yamlSampleText.replacing(line, with: replacement)
    }

    @Test func wrongScalarType() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "port: 8082", with: "port: abc"))
                == "config.yaml:3:9: expected an integer, found 'abc' (at server.port)")
    }

    @Test func wrongCollectionType() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "api_keys: [client-1, \"client-2\"]", with: "api_keys: client-1"))
                == "config.yaml:4:13: expected a sequence, found 'client-1' (at server.api_keys)")
        #expect(
            decodingError(YAMLSampleConfig.self, "server: [a]\nproviders: {}\nmodels: []\n")
                == "config.yaml:1:9: expected a mapping, found a sequence (at server)")
    }

    @Test func nullWhereAValueIsRequired() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "host: 127.0.0.1", with: "host:"))
                == "config.yaml:2:8: expected a string, found an empty value (at server.host)")
    }

    @Test func missingEnvironmentVariableInANumber() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "port: 8082", with: "port: ${PORT}"))
                == "config.yaml:3:9: expected an integer, found an empty string (environment variable 'PORT' not set) (at server.port)")
    }

    @Test func integerOutOfRange() {
        struct Limits: Decodable { var retries: UInt8 }
        #expect(
            decodingError(Limits.self, "retries: 300\n")
                == "config.yaml:1:10: expected an integer between 0 and 255, found '300' (at retries)")
    }

    @Test func missingRequiredKeyPointsAtTheEnclosingMapping() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "    provider: local\n", with: ""))
                == "config.yaml:21:5: missing required key 'provider' (at models[0])")
    }

    @Test func missingRequiredKeyNamesALikelyMisspelling() {
        #expect(
            decodingError(
                YAMLSampleConfig.self, sample(replacing: "base_url: https://api.openai.com/v1", with: "bse_url: https://api.openai.com/v1"))
                == "config.yaml:7:5: missing required key 'base_url' (found 'bse_url' on line 8; misspelt?) (at providers.openai)")
    }

    @Test func unknownKeyWithSuggestion() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "api_key: ${AZURE_KEY}", with: "api_kye: ${AZURE_KEY}"))
                == "config.yaml:13:5: unknown key 'api_kye'; did you mean 'api_key'? (at providers.azure.api_kye)")
    }

    @Test func unknownNestedKeyInsideASequenceElement() {
        #expect(
            decodingError(
                YAMLSampleConfig.self,
                sample(replacing: "- { provider: openai, model: gpt-4o }", with: "- { provider: openai, model: gpt-4o, weight: 2 }"))
                == "config.yaml:28:44: unknown key 'weight'; expected one of: provider, model (at models[1].fallbacks[0].weight)")
    }

    @Test func everyUnknownKeyIsReportedInDocumentOrder() {
        let text = sample(replacing: "  port: 8082", with: "  port: 8082\n  hots: x") + "\nlogging: debug\n"
        let problems = yamlProblems { try decodeYAML(YAMLSampleConfig.self, text) }
        #expect(
            problems?.errors.map(\.description) == [
                "config.yaml:4:3: unknown key 'hots'; did you mean 'host'? (at server.hots)",
                "config.yaml:30:1: unknown key 'logging'; expected one of: server, providers, models (at logging)",
            ])
    }

    @Test func unknownTopLevelKey() {
        #expect(
            decodingError(YAMLSampleConfig.self, yamlSampleText + "\nrouting: {}\n")
                == "config.yaml:29:1: unknown key 'routing'; expected one of: server, providers, models (at routing)")
    }

    @Test func unknownKeyInsideADictionaryValue() {
        #expect(
            decodingError([String: YAMLSampleConfig.Target].self, "a: { provider: p, model: m }\nb: { provider: p, model: m, mdl: x }\n")
                == "config.yaml:2:29: unknown key 'mdl'; did you mean 'model'? (at b.mdl)")
    }

    @Test func validationErrorFromCustomInitCarriesTheMark() {
        #expect(
            decodingError(YAMLSampleConfig.self, sample(replacing: "type: openai", with: "type: opanai"))
                == "config.yaml:7:11: unknown provider type 'opanai'; expected one of: openai, azure, ollama (at providers.openai.type)")
    }

    @Test func containerValidationErrorPointsAtTheKeysValue() {
        struct Server: Decodable {
            var port: Int
            enum CodingKeys: String, CodingKey { case port }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                port = try container.decode(Int.self, forKey: .port)
                guard (1...65535).contains(port) else {
                    throw container.yamlError("expected a port between 1 and 65535, found \(port)", forKey: .port)
                }
            }
        }
        #expect(
            decodingError([String: Server].self, "main:\n  port: 0x10000\n")
                == "config.yaml:2:9: expected a port between 1 and 65535, found 65536 (at main.port)")
    }

    @Test func decodingErrorFromCustomInitIsPlacedByItsCodingPath() {
        #expect(
            decodingError(
                YAMLSampleConfig.self, sample(replacing: "base_url: https://example.openai.azure.com", with: "base_url: example.com"))
                == "config.yaml:12:15: expected an http:// or https:// URL, found 'example.com' (at providers.azure.base_url)")
    }

    @Test func rawRepresentableEnumFailureIsPlaced() {
        enum Level: String, Decodable { case debug, info }
        struct Logging: Decodable { var level: Level }
        #expect(
            decodingError(Logging.self, "level: verbose\n")
                == "config.yaml:1:8: Cannot initialize Level from invalid String value verbose (at level)")
    }

    @Test func otherErrorsFromCustomInitAreWrappedAtTheNode() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        struct Exploding: Decodable { init(from decoder: any Decoder) throws { throw Boom() } }
        struct Holder: Decodable { var items: [Exploding] }
        #expect(decodingError(Holder.self, "items:\n  - 1\n") == "config.yaml:2:5: boom (at items[0])")
    }

    @Test func sequenceTooShortForAnUnkeyedReader() {
        struct Pair: Decodable {
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                _ = try container.decode(Int.self)
                _ = try container.decode(Int.self)
            }
        }
        #expect(
            decodingError([String: Pair].self, "range: [1]\n")
                == "config.yaml:1:8: expected more elements: the sequence has only 1 element (at range)")
    }

    @Test(arguments: [("hsot", "host"), ("base-url", "base_url"), ("API_KEYS", "api_keys"), ("prot", "port")])
    func suggestionsCoverTyposTranspositionsAndCase(_ typo: String, _ intended: String) {
        #expect(YAMLKeySuggestion.closest(to: typo, among: ["host", "port", "base_url", "api_keys"]) == intended)
    }

    @Test func noSuggestionForUnrelatedKeys() {
        #expect(YAMLKeySuggestion.closest(to: "logging", among: ["host", "port", "base_url"]) == nil)
        #expect(YAMLKeySuggestion.closest(to: "x", among: ["y"]) == nil)
    }

    @Test func missingKeyInAnEmptyDocument() {
        #expect(decodingError(YAMLSampleConfig.self, "# empty\n") == "config.yaml:1:1: missing required key 'server'")
    }

    @Test func parseErrorsSurfaceThroughTheDecoder() {
        #expect(
            decodingError(YAMLSampleConfig.self, "server: {\n")
                == "config.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow node at line 2, column 1)")
    }
}
