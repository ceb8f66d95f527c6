import Testing

@testable import ProxyConfig

/// Parses `text` as `config.yaml`, failing the test when the document is empty.
func parseYAML(_ text: String, environment: [String: String] = [:]) throws -> YAMLNode {
    try #require(try YAMLParser.parse(text, file: "config.yaml", environment: environment))
}

/// The error `body` throws, as a YAMLError (failing the test when it throws nothing, several problems
/// or something else).
func yamlError<T>(_ body: () throws -> T) -> YAMLError? {
    do {
        _ = try body()
        Issue.record("expected a YAMLError, got a value")
        return nil
    } catch let error as YAMLError {
        return error
    } catch let problems as YAMLProblems {
        guard problems.count == 1 else {
            Issue.record("expected one problem, got \(problems)")
            return nil
        }
        return problems.errors[0]
    } catch {
        Issue.record("expected a YAMLError, got \(error)")
        return nil
    }
}

/// The problems `body` throws (failing the test when it throws nothing or something else).
func yamlProblems<T>(_ body: () throws -> T) -> YAMLProblems? {
    do {
        _ = try body()
        Issue.record("expected problems, got a value")
        return nil
    } catch let problems as YAMLProblems {
        return problems
    } catch {
        Issue.record("expected YAMLProblems, got \(error)")
        return nil
    }
}

/// Parses and decodes as `config.yaml`.
func decodeYAML<T: Decodable>(_ type: T.Type, _ text: String, environment: [String: String] = [:]) throws -> T {
    try YAMLDecoder(file: "config.yaml").decode(type, fromYAML: text, environment: environment)
}

extension YAMLNode {
    /// The substituted text, when a scalar.
    var text: String? { scalar?.text }
}
