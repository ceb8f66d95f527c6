import Logging
import ProxyCore
import ServiceLifecycle
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
package struct ConfigReloader: Service {
    let live: LiveSettings
    /// Reads and validates the settings from their source (the config file, or the environment).
    let load: @Sendable () throws -> ProxySettings
    /// The file to watch for changes; nil watches nothing (SIGHUP still reloads).
    let watchedFile: String?
    let pollInterval: Duration
    let logger: Logger

    package init(
        live: LiveSettings, watchedFile: String?, pollInterval: Duration = .seconds(2), logger: Logger,
        load: @escaping @Sendable () throws -> ProxySettings
    ) {
        self.live = live
        self.load = load
        self.watchedFile = watchedFile
        self.pollInterval = pollInterval
        self.logger = logger
    }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        reload(reason: "SIGHUP")
                    }
                }
                if let watchedFile {
                    group.addTask {
                        var last = FileStamp(path: watchedFile)
                        while true {
                            try await Task.sleep(for: pollInterval)
                            let now = FileStamp(path: watchedFile)
                            if now != last {
                                last = now
                                reload(reason: "\(watchedFile) changed")
                            }
                        }
                    }
                }
                try await group.next()
            }
        }
    }

    /// Loads, validates and swaps in the settings; returns whether they were applied.
    @discardableResult
    package func reload(reason: String) -> Bool {
        let old = live.settings
        do {
            let settings = try load()
            try live.replace(with: settings)
            if settings.server.host != old.server.host || settings.server.port != old.server.port {
                logger.warning("config reloaded (\(reason)), but the new listening address takes a restart")
            } else {
                logger.notice("config reloaded (\(reason)): \(settings.providers.count) provider(s), \(settings.routes.count) route(s)")
            }
            return true
        } catch {
            logger.error("config not reloaded (\(reason)); still serving the previous one: \(error)")
            return false
        }
    }
}

/// A file's modification time and size, to notice edits by polling (no inotify dependency).
struct FileStamp: Equatable {
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
