import ArgumentParser

/// The `paystorm` command line. Thin by design: it parses arguments, calls the library and
/// prints; every behaviour worth testing lives in the modules.
@main
struct Paystorm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paystorm",
        abstract: "Simulate a Stripe-like payment processor under Black-Friday load and chaos.",
        subcommands: [
            CapacityCommand.self, LedgerCommand.self, RecoverCommand.self, RunCommand.self, ServeCommand.self,
            SwarmCommand.self,
            ValidateCommand.self,
        ])
}

/// Exit codes shared by every command, k6 style.
enum ExitStatus {
    /// Every invariant and threshold held.
    static let ok: Int32 = 0
    /// An invariant was violated.
    static let invariantViolated: Int32 = 1
    /// Bad input: flags or a scenario file.
    static let badInput: Int32 = 2
    /// A threshold failed.
    static let thresholdFailed: Int32 = 3
}
