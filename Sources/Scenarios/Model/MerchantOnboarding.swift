/// When a run's merchants are onboarded (`merchants.onboarding` in a scenario file).
public enum MerchantOnboarding: String, Sendable, CaseIterable {
    /// Every merchant is onboarded before the first arrival, as a real processor's merchants
    /// exist before its Black Friday: the load meets a full merchant table, memory after the
    /// first minute already holds every merchant, and no payment's latency includes onboarding.
    case beforeLoad = "before_load"
    /// Each merchant is onboarded by the first journey that picks it (a launch day: onboarding
    /// calls run under the load, and under its faults).
    case onFirstPayment = "on_first_payment"
}
