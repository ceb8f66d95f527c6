/// The summary table: per cell and metric, each client's median over the rounds with min–max, and the
/// first/second client ratio computed per round (the two ran back to back) then summarised the same way.
struct Report {
    let cells: [(Scenario, Int)]
    let clientNames: [String]
    /// [cell][client][round]
    let results: [[[Sample]]]
    let rounds: Int

    private struct Metric {
        var label: String
        var digits: Int
        var value: (Sample) -> Double
    }

    private let metrics = [
        Metric(label: "req/s", digits: 0) { $0.requestsPerSecond },
        Metric(label: "p50 µs", digits: 1) { $0.p50Microseconds },
        Metric(label: "p99 µs", digits: 1) { $0.p99Microseconds },
        Metric(label: "CPU µs/req, process", digits: 1) { $0.cpuMicrosecondsPerRequest },
        Metric(label: "CPU µs/req, excl. server", digits: 1) { $0.clientCPUMicrosecondsPerRequest },
    ]

    func render() -> String {
        var lines: [String] = []
        let ratioHeader = clientNames.count == 2 ? " | \(clientNames[0])/\(clientNames[1]) per round" : ""
        lines.append("")
        lines.append("Medians over \(rounds) rounds, [min–max] across rounds.")
        lines.append(
            "| scenario | c | metric | " + clientNames.map { "\($0) median [min–max]" }.joined(separator: " | ")
                + ratioHeader + " |")
        lines.append("|---|---|---|" + String(repeating: "---|", count: clientNames.count + (ratioHeader.isEmpty ? 0 : 1)))
        for (cellIndex, (scenario, concurrency)) in cells.enumerated() {
            let perClient = results[cellIndex]
            for metric in metrics {
                var row = "| \(scenario.rawValue) | \(concurrency) | \(metric.label) | "
                row += perClient.map { summary($0.map(metric.value), digits: metric.digits) }.joined(separator: " | ")
                if clientNames.count == 2 {
                    let ratios = zip(perClient[0], perClient[1]).map { metric.value($0) / metric.value($1) }
                    row += " | " + summary(ratios, digits: 2)
                }
                lines.append(row + " |")
            }
            let connections = perClient.map { samples in samples.map { String($0.newConnections) }.joined(separator: ",") }
            let requests = perClient.map { samples in String(samples.reduce(0) { $0 + $1.requests }) }
            let errors = perClient.map { samples in String(samples.reduce(0) { $0 + $1.errors }) }
            lines.append(
                "| \(scenario.rawValue) | \(concurrency) | new connections per round | "
                    + connections.joined(separator: " | ") + (ratioHeader.isEmpty ? "" : " | ") + " |")
            lines.append(
                "| \(scenario.rawValue) | \(concurrency) | requests measured (errors) | "
                    + zip(requests, errors).map { "\($0) (\($1))" }.joined(separator: " | ")
                    + (ratioHeader.isEmpty ? "" : " | ") + " |")
        }
        lines.append("")
        lines.append(
            "CPU µs/req, process = getrusage(RUSAGE_SELF) user+sys over the window / requests: client + "
                + "benchmark tasks + the in-process server. Excl. server = the same minus the server's "
                + "event-loop threads' CPU (pthread_getcpuclockid). For paired ratios, >1 means the first "
                + "client has more of that metric.")
        return lines.joined(separator: "\n")
    }

    private func summary(_ values: [Double], digits: Int) -> String {
        let sorted = values.sorted()
        guard let low = sorted.first, let high = sorted.last else { return "–" }
        let median =
            sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return "\(fixed(median, digits)) [\(fixed(low, digits))–\(fixed(high, digits))]"
    }
}

/// `value` with exactly `digits` decimals, without Foundation.
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return "\(sign)\(whole)" }
    let fractionText = String(fraction)
    return "\(sign)\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}
