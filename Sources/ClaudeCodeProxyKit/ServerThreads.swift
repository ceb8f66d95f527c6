import NIOCore
import NIOPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The event-loop threads `serve` runs its connections on.
///
/// Their number is `server.threads`, or one per CPU the process may use: NIO's count (which follows a
/// cgroup CPU quota and cpuset) capped by the scheduler's affinity mask (`taskset`, systemd's
/// `CPUAffinity`), which NIO does not read. A loop per CPU the process cannot use only adds context
/// switches. Swift's own thread pool (Dispatch's) is not sized here.
enum ServerThreads {
    /// Sets the loop count of NIO's shared group, before anything uses it (once per process); returns
    /// the number of loops the group has.
    static func start(count configured: Int?) -> Int {
        let count = configured ?? usableCPUs()
        NIOSingletons.groupLoopCountSuggestion = count
        NIOSingletons.blockingPoolThreadCountSuggestion = count
        return MultiThreadedEventLoopGroup.singleton.makeIterator().reduce(0) { count, _ in count + 1 }
    }

    /// The CPUs this process may run on.
    static func usableCPUs() -> Int {
        max(1, min(System.coreCount, affinityCPUs() ?? System.coreCount))
    }

    /// The CPUs in the scheduler's affinity mask: the bits of `Cpus_allowed` in /proc/self/status (a
    /// comma-grouped hex mask; `sched_getaffinity` is not visible from Swift without _GNU_SOURCE).
    static func affinityCPUs() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let bits = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
            count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return bits > 0 ? bits : nil
    }
}
