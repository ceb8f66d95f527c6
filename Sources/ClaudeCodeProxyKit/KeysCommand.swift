import ArgumentParser
import ProxyCore
import ProxyStore

/// `claude-code-proxy keys …`: managed client keys in the store — create, list, show, revoke — and their
/// usage from the ledger. Every replica that shares the store sees a change within a second.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage client keys with budgets and limits, and read their usage.",
        subcommands: [Create.self, List.self, Show.self, Revoke.self, Usage.self])

    /// What every `keys` subcommand takes.
    struct Common: ParsableArguments {
        @Option(name: .long, help: "A config.yaml file with a store: section (default: ./config.yaml).")
        var config: String?

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once (only its SHA-256 is stored).")

        @Argument(help: "The key's name (letters, digits, '.', '_', '-', '@').") var name: String
        @Option(name: .long, help: "A spending budget in US dollars.") var budget: Double?
        @Option(name: .long, help: "What the budget covers: day, week, month (UTC; the default) or total.") var budgetPeriod: String?
        @Option(name: .long, help: "Requests per minute.") var rpm: Int?
        @Option(name: .long, help: "Tokens per minute (input, cached or not, and output).") var tpm: Int?
        @Option(name: .long, help: "Client models it may use: globs separated by commas (claude-haiku-*,claude-sonnet-*).") var models:
            String?
        @Option(name: .long, help: "The last day it works, YYYY-MM-DD (UTC).") var expires: String?
        @OptionGroup var common: Common

        func run() async throws {
            var limits = KeyLimits(
                budget: budget, requestsPerMinute: rpm, tokensPerMinute: tpm, models: models.map(GatewayStore.NewKey.models) ?? [])
            if let budgetPeriod {
                guard let period = BudgetPeriod(rawValue: budgetPeriod) else {
                    throw ValidationError("--budget-period must be one of day, week, month, total, not '\(budgetPeriod)'")
                }
                guard budget != nil else { throw ValidationError("--budget-period needs --budget") }
                limits.budgetPeriod = period
            }
            var expiresAt: Int64?
            if let expires {
                guard let value = GatewayStore.NewKey.expiry(day: expires) else {
                    throw ValidationError("--expires must be a day, YYYY-MM-DD, not '\(expires)'")
                }
                expiresAt = value
            }
            let new = GatewayStore.NewKey(name: name, limits: limits, expiresAt: expiresAt)
            let (key, secret) = try await StoreAccess.run(configPath: common.config) { store, _ in try await store.createKey(new) }
            if common.json {
                print(key.json(secret: secret).serializedString())
            } else {
                print("key '\(key.name)' created (\(KeyText.limits(key))); it is shown only this once:")
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key, revoked ones included.")
        @OptionGroup var common: Common

        func run() async throws {
            let keys = try await StoreAccess.run(configPath: common.config) { store, _ in try await store.keys() }
            let now = WallClock.milliseconds()
            if common.json {
                print(JSONValue.object([("data", .array(keys.map { $0.json(now: now) }))]).serializedString())
                return
            }
            let rows = keys.map { key -> [String] in
                let limits = key.limits
                let expires: String = key.expiresAt.map { WallClock.day($0 - 1) } ?? "-"
                let budget: String = limits.budget.map { "\(Dollars.text($0)) \(limits.budgetPeriod.phrase)" } ?? "-"
                let rpm: String = limits.requestsPerMinute.map(String.init) ?? "-"
                let tpm: String = limits.tokensPerMinute.map(String.init) ?? "-"
                let models: String = limits.models.isEmpty ? "*" : limits.models.joined(separator: ",")
                return [key.name, key.status(at: now), WallClock.day(key.createdAt), expires, budget, rpm, tpm, models]
            }
            print(KeyText.table(header: ["NAME", "STATUS", "CREATED", "EXPIRES", "BUDGET", "RPM", "TPM", "MODELS"], rows: rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one key, with its spend in the current budget period.")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var common: Common

        func run() async throws {
            let name = self.name
            let now = WallClock.milliseconds()
            let (key, spend) = try await StoreAccess.run(configPath: common.config) { store, _ in
                guard let key = try await store.key(named: name) else { throw StoreError.noSuchKey(name) }
                return (key, try await store.spend(of: key, now: now))
            }
            if common.json {
                print(key.json(now: now, spend: spend).serializedString())
                return
            }
            print("name:     \(key.name)")
            print("status:   \(key.status(at: now))")
            print("created:  \(WallClock.iso(key.createdAt))")
            if let expiresAt = key.expiresAt { print("expires:  \(WallClock.iso(expiresAt))") }
            if let revokedAt = key.revokedAt { print("revoked:  \(WallClock.iso(revokedAt))") }
            let start = WallClock.iso(key.limits.budgetPeriod.start(containing: now))
            let spent = "\(Dollars.text(spend)) spent" + (key.limits.budgetPeriod == .total ? "" : " since \(start)")
            print("limits:   \(KeyText.limits(key))")
            print("spend:    \(spent)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: every replica refuses it within a second.")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var common: Common

        func run() async throws {
            let name = self.name
            let key = try await StoreAccess.run(configPath: common.config) { store, _ in try await store.revokeKey(named: name) }
            if common.json {
                print(key.json().serializedString())
            } else {
                print("key '\(key.name)' revoked")
            }
        }
    }

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requests, tokens and cost by key, from the usage ledger.")
        @Argument(help: "Only this key's usage.") var name: String?
        @Option(name: .long, help: "From: YYYY-MM-DD, an ISO 8601 time, or a span back from now (30m, 24h, 7d).") var since: String?
        @OptionGroup var common: Common

        func run() async throws {
            var from: Int64?
            if let since {
                guard let value = UsageSince.parse(since) else {
                    throw ValidationError("--since must be YYYY-MM-DD, an ISO 8601 time, or a span such as 24h or 7d, not '\(since)'")
                }
                from = value
            }
            let name = self.name
            let since = from
            let usage = try await StoreAccess.run(configPath: common.config) { store, _ in
                try await store.usage(keyName: name, since: since)
            }
            if common.json {
                print(JSONValue.object([("data", .array(usage.map(\.json)))]).serializedString())
                return
            }
            let rows = usage.map { summary in
                [
                    summary.keyName, String(summary.requests), String(summary.failed), String(summary.usage.inputTokens),
                    String(summary.usage.outputTokens), String(summary.usage.cacheReadInputTokens),
                    String(summary.usage.cacheCreationInputTokens), Dollars.text(summary.cost),
                ]
            }
            print(
                KeyText.table(
                    header: ["KEY", "REQUESTS", "FAILED", "INPUT", "OUTPUT", "CACHE_READ", "CACHE_WRITE", "COST"], rows: rows))
        }
    }
}

/// How the `keys` commands write keys as text.
enum KeyText {
    /// `budget $20.00 per month, 60 requests per minute, models claude-haiku-*`, or `no limits`.
    static func limits(_ key: ManagedKey) -> String {
        var parts: [String] = []
        if let budget = key.limits.budget { parts.append("budget \(Dollars.text(budget)) \(key.limits.budgetPeriod.phrase)") }
        if let rpm = key.limits.requestsPerMinute { parts.append("\(rpm) requests per minute") }
        if let tpm = key.limits.tokensPerMinute { parts.append("\(tpm) tokens per minute") }
        if !key.limits.models.isEmpty { parts.append("models \(key.limits.models.joined(separator: ","))") }
        if let expiresAt = key.expiresAt { parts.append("expires \(WallClock.iso(expiresAt))") }
        return parts.isEmpty ? "no limits" : parts.joined(separator: ", ")
    }

    /// Columns padded to their widest cell, two spaces apart.
    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
