import ProxyStore
import Synchronization

/// This replica's own view of each managed key's counts, for when the store cannot be asked: the
/// requests and tokens it served per minute, and the spend the store last reported plus what it served
/// since. While the store is unreachable, limits hold per replica from these (so with R replicas a key
/// may get up to R times its per-minute limits, and its budget may be overshot by what the others spend
/// meanwhile).
final class LocalCounts: Sendable {
    private struct Entry {
        var minute: Int64
        var requests: Int64 = 0
        var tokens: Int64 = 0
        var previousRequests: Int64 = 0
        var previousTokens: Int64 = 0
        var periodStart: Int64 = 0
        /// The spend in `periodStart`'s period: the store's last figure plus this replica's since.
        var spend: Double = 0

        /// Moves the window to `minute`: the current minute becomes the previous one, or both are forgotten.
        mutating func roll(to minute: Int64) {
            guard minute != self.minute else { return }
            if minute == self.minute + 1 {
                previousRequests = requests
                previousTokens = tokens
            } else {
                previousRequests = 0
                previousTokens = 0
            }
            requests = 0
            tokens = 0
            self.minute = minute
        }

        mutating func period(_ start: Int64) {
            guard start != periodStart else { return }
            periodStart = start
            spend = 0
        }
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    /// The store's counts for a key, just read: its spend becomes this replica's starting point.
    func learned(_ counts: KeyCounts, keyID: Int64, periodStart: Int64) {
        entries.withLock { entries in
            var entry = entries[keyID] ?? Entry(minute: counts.minute)
            entry.roll(to: counts.minute)
            entry.period(periodStart)
            entry.spend = counts.spend
            entries[keyID] = entry
        }
    }

    /// Adds `requests` to the key's current minute and returns its counts as this replica sees them.
    func count(keyID: Int64, requests: Int64, periodStart: Int64, now: Int64) -> KeyCounts {
        let minute = KeyCounts.minute(of: now)
        return entries.withLock { entries in
            var entry = entries[keyID] ?? Entry(minute: minute)
            entry.roll(to: minute)
            entry.period(periodStart)
            entry.requests += requests
            entries[keyID] = entry
            return KeyCounts(
                minute: minute, requests: entry.requests, tokens: entry.tokens, previousRequests: entry.previousRequests,
                previousTokens: entry.previousTokens, spend: entry.spend)
        }
    }

    /// A request of the key ended: its tokens count in the minute it ended, its cost in its budget period.
    func served(_ row: LedgerRow) {
        guard let keyID = row.keyID else { return }
        let minute = KeyCounts.minute(of: row.endedAt)
        entries.withLock { entries in
            var entry = entries[keyID] ?? Entry(minute: minute)
            if minute > entry.minute { entry.roll(to: minute) }
            if minute == entry.minute {
                entry.tokens += Int64(row.totalTokens)
            } else if minute == entry.minute - 1 {
                entry.previousTokens += Int64(row.totalTokens)
            }
            if let start = row.budgetPeriodStart, start == entry.periodStart { entry.spend += row.cost }
            entries[keyID] = entry
        }
    }
}
