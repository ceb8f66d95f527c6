/// Amounts of US dollars as the limits' messages, the `keys` commands and the model descriptions write them.
package enum Dollars {
    /// `$20.00`; below a cent, four decimals (`$0.0042`).
    package static func text(_ amount: Double) -> String {
        // Beyond what whole cents in an Int64 hold (a price set absurdly high): the number as it is.
        guard amount.isFinite, abs(amount) < 1e12 else { return "$\(amount)" }
        let digits = amount < 0.01 && amount > 0 ? 4 : 2
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let whole = (amount * scale).rounded()
        let integer = Int64(whole / scale)
        let fraction = String(Int64(whole) - integer * Int64(scale))
        return "$\(integer)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
