import ArgumentParser
import CurlHTTP
import Dispatch
import Logging
import ProxyConfig
import ProxyCore
import ProxyServer
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `claude-code-proxy code [-- claude args…]`: the proxy for one Claude Code session. It serves the
/// settings on a free loopback port (or uses the proxy already serving them on their port), runs `claude`
/// pointed at it, and stops when Claude Code exits, with its exit status.
struct CodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Run Claude Code through the proxy (started for the session on a free loopback port).",
        discussion: """
            Settings come from --config PATH, else ./config.yaml, else the seed's environment variables. \
            Claude Code gets ANTHROPIC_BASE_URL, the first client key (server.api_keys; without one, the \
            ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY given, a managed key) as ANTHROPIC_AUTH_TOKEN, model \
            discovery and request-class headers on, CLAUDE_CODE_AUTO_COMPACT_WINDOW at the smallest \
            context window of the routes (unless set), telemetry and error reporting off. Arguments after -- \
            go to claude, e.g. claude-code-proxy code -- -p "fix the tests".
            """
    )

    @Option(name: .long, help: "A config.yaml file.")
    var config: String?

    @Option(name: .long, help: "The claude executable (default: claude on PATH).")
    var claude: String?

    @Argument(parsing: .postTerminator, help: "Arguments for claude.")
    var claudeArguments: [String] = []

    func run() async throws {
        let registry = ProxyCommand.registry
        let executable = try CommandFailure.reporting { try Self.claudeExecutable(claude) }
        var (settings, _) = try CommandFailure.reporting { try SettingsLoader(configPath: config, registry: registry).load() }
        // Ctrl-C is Claude Code's (it interrupts a turn): the proxy must not stop under it.
        signal(SIGINT, SIG_IGN)
        if await RunningProxy.serves(settings) {
            let environment = Self.environment(
                port: settings.server.port, clientKey: Self.clientKey(settings), compactWindow: settings.smallestContextWindow)
            throw ExitCode(try await ChildProcess.run(executable, arguments: claudeArguments, environment: environment))
        }
        settings.server.host = "127.0.0.1"
        settings.server.port = 0
        settings.server.logLevel = "warning"  // the terminal belongs to Claude Code; problems still show
        let level = Logger.Level(rawValue: settings.server.logLevel) ?? .warning
        let redactor = SecretRedactor(settings: settings)
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level, redactor: redactor) }
        let logger = Logger(label: "claude-code-proxy")
        _ = ServerThreads.start(count: settings.server.threads)
        let loader = SettingsLoader(configPath: config, host: "127.0.0.1", port: "0", registry: registry)
        let listening = AsyncStream<Int>.makeStream()
        let server = try CommandFailure.reporting {
            try ProxyRun(settings: settings, loader: loader, registry: registry) { port in listening.continuation.yield(port) }
        }
        let clientKey = Self.clientKey(settings)
        let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                try await server.run(signals: [.sigterm], logger: logger)
                return nil
            }
            var port: Int?
            for await bound in listening.stream {
                port = bound
                break
            }
            guard let port else { throw ExitCode.failure }
            let environment = Self.environment(port: port, clientKey: clientKey, compactWindow: settings.smallestContextWindow)
            let status = try await ChildProcess.run(executable, arguments: claudeArguments, environment: environment)
            // The server's own graceful stop (the signal it listens for), bounded by shutdown_grace_period.
            kill(getpid(), SIGTERM)
            try await group.waitForAll()
            return status
        }
        throw ExitCode(status)
    }

    /// The key Claude Code sends: the first of `server.api_keys`; without static keys, the one this process
    /// was given (`ANTHROPIC_AUTH_TOKEN`, else `ANTHROPIC_API_KEY`: a managed key of the store).
    static func clientKey(_ settings: ProxySettings) -> String? {
        let environment = ProcessInfo.processInfo.environment
        return settings.server.apiKeys.first ?? environment["ANTHROPIC_AUTH_TOKEN"] ?? environment["ANTHROPIC_API_KEY"]
    }

    /// The environment Claude Code runs with: this process's, pointed at the proxy. `compactWindow` is the
    /// smallest context window of the routes.
    static func environment(port: Int, clientKey: String?, compactWindow: Int?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:\(port)"
        // Without keys the proxy asks for none, but Claude Code needs some credential to start.
        environment["ANTHROPIC_AUTH_TOKEN"] = clientKey ?? "claude-code-proxy"
        environment["ANTHROPIC_API_KEY"] = nil
        environment["CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY"] = "1"
        // Each request says what it is (main loop, sub-agent, compaction…): the usage ledger records it.
        environment["CLAUDE_CODE_GATEWAY_HINT_HEADERS"] = "1"
        // Claude Code compacts at the smaller of its own window for the model and this one; it takes no
        // value under 100,000. One set by the user stays.
        if let compactWindow, environment["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == nil {
            environment["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] = String(max(compactWindow, 100_000))
        }
        environment["DISABLE_TELEMETRY"] = "1"
        environment["DISABLE_ERROR_REPORTING"] = "1"
        return environment
    }

    /// `--claude`, else `claude` on PATH; an error that says how to get it otherwise.
    static func claudeExecutable(_ given: String?) throws -> String {
        if let given {
            guard access(given, X_OK) == 0 else { throw ConfigurationError("--claude \(given) is not an executable file") }
            return given
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/claude"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ConfigurationError(
            "Claude Code is not installed: no 'claude' on PATH. Install it (https://docs.anthropic.com/en/docs/claude-code) or pass --claude PATH"
        )
    }
}

/// A proxy already running on this machine with the same settings (its `GET /` names the same providers
/// and routes), on the settings' port.
enum RunningProxy {
    static func serves(_ settings: ProxySettings) async -> Bool {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let request = HTTPClientRequest(
            url: "http://127.0.0.1:\(settings.server.port)/", timeouts: .init(connect: .seconds(1), total: .seconds(2)))
        guard let response = try? await client.execute(request), response.status == 200,
            let body = try? await response.body.collect(upTo: 1 << 20), let index = try? JSONParser.parse(body),
            index["message"]?.stringValue?.hasPrefix("claude-code-proxy") == true
        else { return false }
        let providers = index["providers"]?.arrayValue?.map { [$0["name"]?.stringValue, $0["base_url"]?.stringValue] }
        let routes = index["routes"]?.arrayValue?.map { [$0["match"]?.stringValue, $0["provider"]?.stringValue, $0["model"]?.stringValue] }
        return providers == settings.providers.map { [$0.name, $0.baseURL] }
            && routes == settings.routes.map { [$0.pattern, $0.provider, $0.model] }
    }
}

/// A child process in the foreground of the terminal, its exit status awaited without holding a thread of
/// Swift's pool.
enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment` (SIGINT back to its default in the child);
    /// returns its exit status (128 + the signal when a signal ended it).
    static func run(_ executable: String, arguments: [String], environment: [String: String]) async throws -> Int32 {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard spawned == 0 else {
            throw ConfigurationError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = pid
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1, errno == EINTR {}
                let exited = status & 0x7f == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
    }
}
