import Logging
import ProxyCore
import ProxyStore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What this replica shares with the others through the store (`store:` in config.yaml): the managed keys
/// it recognises, the limits it checks, the ledger it writes, and the provider cooldowns it tells and
/// hears of. Nil in a proxy without a store, which then works exactly as one without these features.
package final class GatewayState: Sendable {
    let settings: StoreSettings
    package let store: GatewayStore
    let directory: KeyDirectory
    let ledger: UsageLedger
    let limiter: KeyLimiter
    let health: StoreHealth
    let local = LocalCounts()
    /// Reads of the keys, numbered as they start.
    private let reads = Atomic<UInt64>(0)
    let cooldowns: TargetCooldowns
    /// The ledger's `replica` column: `store.replica`, else the host name.
    let replica: String
    let logger: Logger

    /// - Parameters:
    ///   - live: the proxy's settings, whose provider cooldowns this state shares and updates.
    ///   - shutdownGracePeriod: how long a graceful stop may spend writing the ledger rows still queued.
    package init(
        settings: StoreSettings, store: GatewayStore, live: LiveSettings, metrics: ProxyMetrics, shutdownGracePeriod: Duration,
        logger: Logger
    ) {
        self.settings = settings
        self.store = store
        self.cooldowns = live.cooldowns
        self.logger = logger
        self.replica = settings.replica ?? Self.hostName()
        let health = StoreHealth(logger: logger)
        self.health = health
        self.directory = KeyDirectory(maxStaleness: settings.maxStaleness)
        self.ledger = UsageLedger(
            store: store, capacity: settings.queueSize, wait: settings.ledgerWait, shutdownDeadline: shutdownGracePeriod, health: health,
            metrics: metrics, logger: logger)
        self.limiter = KeyLimiter(store: store, health: health, local: local, metrics: metrics, logger: logger)
        metrics.observeGateway(queueDepth: { [ledger] in ledger.queueDepth }, storeUp: { health.isHealthy })
        live.cooldowns.onCoolDown { [store] target, key, duration in
            Self.publish(
                GatewayStore.Cooldown(target: target, key: key, until: WallClock.milliseconds() + duration.wholeMilliseconds), to: store,
                health: health)
        }
    }

    /// What runs beside the server, in the order they start (and in reverse, stop): the database (its
    /// connection pool), the keeper of keys and cooldowns, the ledger's writer.
    package var services: [any Service] {
        [DatabaseService(database: store.database), StoreFollower(state: self), ledger]
    }

    /// Whether the schema is migrated and the managed keys were read: until then managed keys are refused.
    package var isReady: Bool { directory.isLoaded }

    /// Queues a finished request's row; its counts join this replica's own.
    func record(_ row: LedgerRow) -> UsageLedger.Ticket {
        local.served(row)
        return ledger.record(row)
    }

    /// Shares a cooldown that this replica started with the other replicas, in the background.
    private static func publish(_ cooldown: GatewayStore.Cooldown, to store: GatewayStore, health: StoreHealth) {
        Task {
            do {
                try await withTimeLimit(.seconds(2)) { try await store.publish(cooldown) }
            } catch {
                health.failed("sharing the cooldown of \(cooldown.target) key \(cooldown.key) failed: \(error)")
            }
        }
    }

    /// Reads the keys (and with `cooldowns`, the running cooldowns) again from the store.
    func reload(cooldowns includingCooldowns: Bool) async {
        let read = reads.add(1, ordering: .relaxed).newValue
        do {
            let keys = try await withTimeLimit(.seconds(5)) { [store] in try await store.keys() }
            directory.replace(with: keys, read: read)
            health.succeeded()
        } catch {
            health.failed("reading the managed keys failed: \(error)")
            return
        }
        guard includingCooldowns else { return }
        do {
            let running = try await withTimeLimit(.seconds(5)) { [store] in try await store.cooldowns() }
            for cooldown in running { apply(cooldown) }
        } catch {
            health.failed("reading the provider cooldowns failed: \(error)")
        }
    }

    /// A cooldown another replica shared.
    func apply(_ cooldown: GatewayStore.Cooldown) {
        cooldowns.coolDown(label: cooldown.target, key: cooldown.key, untilWallClock: cooldown.until, now: WallClock.milliseconds())
    }

    /// The ledger's name for this replica when `store.replica` gives none.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The database's own background work (PostgreSQL's pool), first to start and last to stop.
private struct DatabaseService: Service {
    let database: any SQLDatabase

    func run() async throws {
        await database.run()
    }
}

/// Keeps this replica's copy of the keys and cooldowns current: migrates the schema (retrying with backoff
/// while the store is unreachable, instead of a crash loop), reads everything, then follows the changes
/// the store announces, and reads the keys again every `refresh_interval` as a backstop.
private struct StoreFollower: Service {
    let state: GatewayState

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await migrate()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow() }
                group.addTask { await refreshPeriodically() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func migrate() async {
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                let applied = try await withTimeLimit(.seconds(30)) { [store = state.store] in
                    try await store.database.check()
                    return try await store.migrate()
                }
                state.health.succeeded()
                let location = state.settings.displayLocation
                if applied.isEmpty {
                    state.logger.info("store: \(location), schema at version \(Migrations.latest)")
                } else {
                    state.logger.notice("store: \(location), schema migrated to version \(Migrations.latest)")
                }
                return
            } catch {
                state.health.failed("cannot prepare the store at \(state.settings.displayLocation): \(error); retrying in \(backoff)")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(30))
            }
        }
    }

    private func follow() async {
        for await signal in state.store.database.changes() {
            switch signal {
            case .resync: await state.reload(cooldowns: true)
            case .keysChanged: await state.reload(cooldowns: false)
            case .cooldown(let target, let key, let until): state.apply(GatewayStore.Cooldown(target: target, key: key, until: until))
            }
        }
    }

    private func refreshPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: state.settings.refreshInterval)
            await state.reload(cooldowns: false)
            try? await withTimeLimit(.seconds(5)) { [store = state.store] in try await store.prune() }
        }
    }
}
