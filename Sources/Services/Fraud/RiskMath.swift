#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few libm functions the fraud model and the rate random walk need, behind one platform
/// import so that the rest of the module does not import libc.
///
/// Only scores, probabilities and rate walk internals go through these; never an amount of money.
enum RiskMath {
    static func exponential(_ x: Double) -> Double { libcExp(x) }

    static func logarithm(_ x: Double) -> Double { libcLog(x) }

    /// The logistic function, written so that it cannot overflow for large |x|.
    static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + libcExp(-x)) }
        let e = libcExp(x)
        return e / (1 + e)
    }
}

private func libcExp(_ x: Double) -> Double { exp(x) }
private func libcLog(_ x: Double) -> Double { log(x) }
