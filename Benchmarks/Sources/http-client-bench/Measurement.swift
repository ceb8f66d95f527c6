#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One client × scenario × concurrency measured once (one round).
struct Sample: Sendable {
    var requests: Int
    var errors: Int
    var seconds: Double
    /// Per-request latency, sorted, in nanoseconds.
    var latencies: [Int64]
    /// User + system CPU of the whole process during the window.
    var processCPUNanoseconds: Int64
    /// CPU of the loopback server's event-loop threads during the window.
    var serverCPUNanoseconds: Int64
    /// Connections the server accepted during warm-up + window.
    var newConnections: Int
    var firstError: String?

    var requestsPerSecond: Double { Double(requests) / seconds }
    var p50Microseconds: Double { percentile(0.50) }
    var p99Microseconds: Double { percentile(0.99) }
    var cpuMicrosecondsPerRequest: Double { Double(processCPUNanoseconds) / 1000 / Double(max(requests, 1)) }
    var clientCPUMicrosecondsPerRequest: Double {
        Double(processCPUNanoseconds - serverCPUNanoseconds) / 1000 / Double(max(requests, 1))
    }

    private func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
        return Double(latencies[max(0, index)]) / 1000
    }
}

func processCPUNanoseconds() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF_WHO, &usage)
    func nanoseconds(_ time: timeval) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_usec) * 1000 }
    return nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
}

private struct WorkerResult: Sendable {
    var latencies: [Int64] = []
    var errors = 0
    var firstError: String?
}

/// `concurrency` tasks each send requests back to back: first for `warmUp` (not recorded), then for
/// `window`. Every body is read to the end and its length checked.
func measure(
    client: any BenchClient, scenario: Scenario, concurrency: Int,
    warmUp: Duration, window: Duration, server: LoopbackServer
) async -> Sample {
    let connectionsBefore = server.acceptedConnections
    _ = await runWorkers(client: client, scenario: scenario, concurrency: concurrency, for: warmUp)

    let cpuBefore = processCPUNanoseconds()
    let serverBefore = server.cpuNanoseconds()
    let start = ContinuousClock.now
    let results = await runWorkers(client: client, scenario: scenario, concurrency: concurrency, for: window)
    let elapsed = ContinuousClock.now - start
    let cpuAfter = processCPUNanoseconds()
    let serverAfter = server.cpuNanoseconds()

    var latencies: [Int64] = []
    latencies.reserveCapacity(results.reduce(0) { $0 + $1.latencies.count })
    for result in results { latencies.append(contentsOf: result.latencies) }
    latencies.sort()
    return Sample(
        requests: latencies.count,
        errors: results.reduce(0) { $0 + $1.errors },
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
        latencies: latencies,
        processCPUNanoseconds: cpuAfter - cpuBefore,
        serverCPUNanoseconds: serverAfter - serverBefore,
        newConnections: server.acceptedConnections - connectionsBefore,
        firstError: results.lazy.compactMap(\.firstError).first)
}

private func runWorkers(
    client: any BenchClient, scenario: Scenario, concurrency: Int, for duration: Duration
) async -> [WorkerResult] {
    let end = ContinuousClock.now + duration
    let expected = scenario.expectedBytes
    return await withTaskGroup(of: WorkerResult.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var result = WorkerResult()
                result.latencies.reserveCapacity(1 << 14)
                var now = ContinuousClock.now
                while now < end {
                    let started = now
                    do {
                        let bytes = try await client.exchange(scenario)
                        guard bytes == expected else {
                            throw BenchError(description: "\(client.name): read \(bytes) bytes, expected \(expected)")
                        }
                        now = ContinuousClock.now
                        let latency = now - started
                        result.latencies.append(
                            latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
                    } catch {
                        result.errors += 1
                        if result.firstError == nil { result.firstError = "\(error)" }
                        now = ContinuousClock.now
                        // Do not spin on a broken client.
                        if result.errors > 100 { break }
                    }
                }
                return result
            }
        }
        var results: [WorkerResult] = []
        for await result in group { results.append(result) }
        return results
    }
}

#if canImport(Glibc)
    private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
    private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif
