import Logging
import ProxyCore
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reloads the settings on SIGHUP and when the config file changes, without a restart.
///
/// The new settings are loaded and validated first; only settings that load and build completely
/// replace the running ones (atomically: see `LiveSettings`). A broken file is reported in the log and
/// the proxy keeps serving with what it had. The listening address cannot change while running; a
/// new host or port is reported as needing a restart.
///
/// Each change is loaded and logged once, whichever of the signal and the file watcher notices it first:
/// both share what the last reload saw (the file's stamp, the outcome), reloads never overlap, the
/// watcher waits for the file to hold still before reading it (an editor that truncates and then writes
/// is one change), and a reload that finds the same settings, or the same problem, as the last one says
/// so only at `debug`.
package struct ConfigReloader: Service {
    let live: LiveSettings
    /// Reads and validates the settings from their source (the config file, or the environment).
    let load: @Sendable () throws -> ProxySettings
    /// The file to watch for changes; nil watches nothing (SIGHUP still reloads).
    let watchedFile: String?
    let pollInterval: Duration
    let logger: Logger
    private let state: ReloadState

    package init(
        live: LiveSettings, watchedFile: String?, pollInterval: Duration = .seconds(2), logger: Logger,
        load: @escaping @Sendable () throws -> ProxySettings
    ) {
        self.live = live
        self.load = load
        self.watchedFile = watchedFile
        self.pollInterval = pollInterval
        self.logger = logger
        self.state = ReloadState(stamp: watchedFile.flatMap(FileStamp.init(path:)))
    }

    /// Watches until the server shuts down, then returns normally: a service that throws during a graceful
    /// shutdown fails the whole group, and the process would exit with an error after a clean stop.
    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            reload(reason: "SIGHUP")
                        }
                    }
                    if let watchedFile {
                        group.addTask { try await watch(watchedFile) }
                    }
                    try await group.next()
                }
            }
        } catch is CancellationError {}
    }

    /// Loads, validates and swaps in the settings; returns whether they were applied (or already were).
    @discardableResult
    package func reload(reason: String) -> Bool {
        state.seen.withLock { seen in apply(reason: reason, seen: &seen) }
    }

    /// Polls `file`; a change no reload has seen yet is reloaded once the file holds still.
    private func watch(_ file: String) async throws {
        while true {
            try await Task.sleep(for: pollInterval)
            guard state.seen.withLock({ $0.stamp }) != FileStamp(path: file) else { continue }
            try await waitUntilStill(file)
            state.seen.withLock { seen in
                // A SIGHUP may have loaded this very change while the watcher waited.
                guard seen.stamp != FileStamp(path: file) else { return }
                apply(reason: "\(file) changed", seen: &seen)
            }
        }
    }

    /// Returns once `file`'s stamp stays the same over a short pause.
    private func waitUntilStill(_ file: String) async throws {
        var last = FileStamp(path: file)
        while true {
            try await Task.sleep(for: min(pollInterval, .milliseconds(200)))
            let now = FileStamp(path: file)
            if now == last { return }
            last = now
        }
    }

    /// The reload itself, with the lock held.
    @discardableResult
    private func apply(reason: String, seen: inout ReloadState.Seen) -> Bool {
        // Taken before reading: an edit made during the load is a change the watcher still notices.
        seen.stamp = watchedFile.flatMap(FileStamp.init(path:))
        let old = live.settings
        do {
            let settings = try load()
            seen.failure = nil
            guard !settings.isSame(as: old) else {
                logger.debug("config reloaded (\(reason)): nothing changed")
                return true
            }
            try live.replace(with: settings)
            if settings.server.host != old.server.host || settings.server.port != old.server.port {
                logger.warning("config reloaded (\(reason)), but the new listening address takes a restart")
            } else if settings.store != old.store {
                logger.warning("config reloaded (\(reason)), but the new store: section takes a restart")
            } else {
                logger.notice("config reloaded (\(reason)): \(settings.providers.count) provider(s), \(settings.routes.count) route(s)")
            }
            return true
        } catch {
            let problem = "\(error)"
            if problem == seen.failure {
                logger.debug("config not reloaded (\(reason)): the same problem as before")
            } else {
                logger.error("config not reloaded (\(reason)); still serving the previous one: \(problem)")
            }
            seen.failure = problem
            return false
        }
    }
}

/// What the last reload saw, shared by the SIGHUP and file-watching tasks (and held while reloading, so
/// two reloads never overlap).
final class ReloadState: Sendable {
    struct Seen {
        /// The config file's stamp when it was last read; nil when missing (or nothing is watched).
        var stamp: FileStamp?
        /// The last reload's problem, when it failed.
        var failure: String?
    }

    let seen: Mutex<Seen>

    init(stamp: FileStamp?) {
        seen = Mutex(Seen(stamp: stamp))
    }
}

extension ProxySettings {
    /// Whether serving `other` instead would change nothing.
    fileprivate func isSame(as other: ProxySettings) -> Bool {
        server == other.server && tokens == other.tokens && providers == other.providers && routes == other.routes
            && store == other.store
    }
}

/// A file's modification time and size, to notice edits by polling (no inotify dependency).
struct FileStamp: Equatable, Sendable {
    var seconds: Int
    var nanoseconds: Int
    var size: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            seconds = info.st_mtimespec.tv_sec
            nanoseconds = info.st_mtimespec.tv_nsec
        #else
            seconds = info.st_mtim.tv_sec
            nanoseconds = info.st_mtim.tv_nsec
        #endif
        size = Int(info.st_size)
    }
}
