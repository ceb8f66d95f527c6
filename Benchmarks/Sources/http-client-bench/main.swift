import CCurl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// http-client-bench: CurlHTTP vs AsyncHTTPClient against one in-process loopback server, in one run,
// interleaved in rounds. See ../../README.md.

struct Options {
    var rounds = 5
    var warmUp = Duration.milliseconds(500)
    var window = Duration.seconds(2)
    var scenarios: [Scenario] = [.small, .sse]
    var concurrencies = [1, 64]
    var clients = ["curl", "ahc"]
    var serverThreads = 1

    static let usage = """
        usage: http-client-bench [--quick] [--rounds N] [--window SECONDS] [--warmup SECONDS]
                                 [--scenarios small,sse,paced] [--concurrency 1,64] [--clients curl,ahc]
                                 [--server-threads N]
          default: 5 rounds × {small, sse} × {1, 64} × {curl, ahc}, 0.5 s warm-up + 2 s window each (~100 s)
          --quick: 2 rounds, 0.2 s warm-up + 0.7 s window (~15 s)
        """

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let value = iterator.next() else { throw BenchError(description: "\(flag) needs a value") }
            return value
        }
        func seconds(_ flag: String) throws -> Duration {
            guard let seconds = Double(try value(flag)), seconds > 0 else {
                throw BenchError(description: "\(flag) needs a positive number of seconds")
            }
            return .milliseconds(Int(seconds * 1000))
        }
        while let argument = iterator.next() {
            switch argument {
            case "--quick":
                rounds = 2
                warmUp = .milliseconds(200)
                window = .milliseconds(700)
            case "--rounds":
                guard let rounds = Int(try value(argument)), rounds > 0 else {
                    throw BenchError(description: "--rounds needs a positive integer")
                }
                self.rounds = rounds
            case "--window": window = try seconds(argument)
            case "--warmup": warmUp = try seconds(argument)
            case "--scenarios":
                scenarios = try value(argument).split(separator: ",").map {
                    guard let scenario = Scenario(rawValue: String($0)) else {
                        throw BenchError(description: "unknown scenario \($0) (small, sse, paced)")
                    }
                    return scenario
                }
            case "--concurrency":
                concurrencies = try value(argument).split(separator: ",").map {
                    guard let count = Int($0), count > 0 else { throw BenchError(description: "bad concurrency \($0)") }
                    return count
                }
            case "--clients":
                clients = try value(argument).split(separator: ",").map {
                    guard $0 == "curl" || $0 == "ahc" else { throw BenchError(description: "unknown client \($0)") }
                    return String($0)
                }
            case "--server-threads":
                guard let threads = Int(try value(argument)), threads > 0 else {
                    throw BenchError(description: "--server-threads needs a positive integer")
                }
                serverThreads = threads
            case "-h", "--help":
                print(Self.usage)
                exit(0)
            default:
                throw BenchError(description: "unknown argument \(argument)\n\(Self.usage)")
            }
        }
    }
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandleOutput.standardError("http-client-bench: \(error)\n")
    exit(2)
}
signal(SIGPIPE, SIG_IGN)

let server = try await LoopbackServer(threads: options.serverThreads)
var clients: [any BenchClient] = []
for name in options.clients {
    clients.append(
        name == "curl"
            ? CurlBenchClient(port: server.port)
            : AsyncHTTPClientBenchClient(port: server.port, poolSize: max(64, options.concurrencies.max() ?? 64)))
}

let cells = options.scenarios.flatMap { scenario in options.concurrencies.map { (scenario, $0) } }
let perCell =
    Double((options.warmUp + options.window).components.attoseconds) / 1e18
    + Double((options.warmUp + options.window).components.seconds)
let estimate = perCell * Double(options.rounds * cells.count * clients.count)
print(
    """
    http-client-bench: \(clients.map(\.name).joined(separator: " vs ")) → loopback HTTP/1.1 server on \
    127.0.0.1:\(server.port) (SwiftNIO, \(options.serverThreads) event-loop thread\(options.serverThreads == 1 ? "" : "s"))
    libcurl \(String(cString: curl_version())); \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs online
    \(options.rounds) rounds × \(cells.count) cells × \(clients.count) clients, \
    warm-up \(options.warmUp) + window \(options.window) each; about \(Int(estimate.rounded())) s
    small = POST \(Fixtures.requestBody.count) B JSON → \(Fixtures.completion.count) B JSON; \
    sse = POST → \(Fixtures.streamEventCount) events + [DONE], \(Fixtures.streamBytes) B chunked
    """)

// results[cell][client] = one Sample per round
var results = Array(repeating: Array(repeating: [Sample](), count: clients.count), count: cells.count)
let runStart = ContinuousClock.now
for round in 0..<options.rounds {
    for (cellIndex, (scenario, concurrency)) in cells.enumerated() {
        // Alternate which client goes first, so neither always runs right after the other's load.
        let order = round % 2 == 0 ? Array(clients.indices) : Array(clients.indices.reversed())
        var line: [String] = []
        for clientIndex in order {
            let client = clients[clientIndex]
            let sample = await measure(
                client: client, scenario: scenario, concurrency: concurrency,
                warmUp: options.warmUp, window: options.window, server: server)
            results[cellIndex][clientIndex].append(sample)
            var text = "\(client.name) \(Int(sample.requestsPerSecond)) req/s"
            if sample.newConnections > 0 { text += " (+\(sample.newConnections) conn)" }
            if sample.errors > 0 { text += " ERRORS \(sample.errors): \(sample.firstError ?? "")" }
            line.append(text)
        }
        print("round \(round + 1)/\(options.rounds) \(scenario.rawValue) c=\(concurrency): \(line.joined(separator: ", "))")
    }
}
let runTime = ContinuousClock.now - runStart

print(Report(cells: cells, clientNames: clients.map(\.name), results: results, rounds: options.rounds).render())
print(
    "server: \(server.acceptedConnections) connections accepted, \(server.openConnections) still open, "
        + "\(server.requestsServed) requests served; measured part took \(runTime.formatted)")

for client in clients { try await client.shutdown() }
try await server.shutdown()
if results.joined().joined().contains(where: { $0.errors > 0 }) {
    print("http-client-bench: some requests failed (see ERRORS above)")
    exit(1)
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}

extension Duration {
    var formatted: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return fixed(seconds, 1) + " s"
    }
}
