import Core
import PaystormRuntime
import Synchronization

/// The locked shell around `AdmissionStateMachine`: a request that must wait suspends on a
/// continuation until a finishing request grants it a slot or its budget runs out.
///
/// A lock, not an actor: every API request passes here twice (admit, release), and nothing
/// here suspends while deciding. Time is the runtime's clock, so a simulated run sheds the same
/// requests for the same seed.
package final class AdmissionController: Sendable {
    private struct State {
        var machine: AdmissionStateMachine
        /// Waiters suspended on their ticket.
        var waiting: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// Tickets resolved before their waiter suspended (granted: true).
        var resolvedEarly: [UInt64: Bool] = [:]
    }

    private let runtime: any Runtime
    private let state: Mutex<State>
    public let configuration: AdmissionStateMachine.Configuration

    /// - Throws: `GatewayError.invalidConfiguration` for a limit out of range.
    public init(runtime: any Runtime, configuration: AdmissionStateMachine.Configuration) throws(GatewayError)
    {
        try configuration.validate()
        self.runtime = runtime
        self.configuration = configuration
        self.state = Mutex(State(machine: AdmissionStateMachine(configuration: configuration)))
    }

    /// What the shedder did so far.
    public var counts: AdmissionStateMachine.Counts { state.withLock { $0.machine.counts } }

    /// Admits a request of `merchant`, waiting for a slot within the queue-time budget.
    /// - Throws: `GatewayError.overloaded` when it is shed; then nothing is to be released.
    public func admit(_ merchant: MerchantID) async throws(GatewayError) {
        let now = runtime.now()
        let (arrival, resolutions) = state.withLock { state in
            let (arrival, resolutions) = state.machine.arrive(merchant, now: now)
            return (arrival, Self.take(resolutions, in: &state))
        }
        Self.resume(resolutions)
        switch arrival {
        case .admitted:
            return
        case .refused(let refusal):
            throw .overloaded(refusal, retryAfter: configuration.retryAfter)
        case .queued(let ticket):
            let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let early = state.withLock { state -> Bool? in
                    if let early = state.resolvedEarly.removeValue(forKey: ticket) { return early }
                    state.waiting[ticket] = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
            guard granted else { throw .overloaded(.queueTimeout, retryAfter: configuration.retryAfter) }
        }
    }

    /// Gives back the slot of an admitted request of `merchant`.
    public func release(_ merchant: MerchantID) {
        let now = runtime.now()
        let resolutions = state.withLock { state in
            Self.take(state.machine.release(merchant, now: now), in: &state)
        }
        Self.resume(resolutions)
    }

    /// The continuations to resume for `resolutions` (resumed outside the lock); a ticket whose
    /// waiter has not suspended yet is remembered for it.
    private static func take(
        _ resolutions: AdmissionStateMachine.Resolutions, in state: inout State
    ) -> [(CheckedContinuation<Bool, Never>, Bool)] {
        guard !resolutions.isEmpty else { return [] }
        var resumes: [(CheckedContinuation<Bool, Never>, Bool)] = []
        for (tickets, granted) in [(resolutions.granted, true), (resolutions.timedOut, false)] {
            for ticket in tickets {
                if let waiter = state.waiting.removeValue(forKey: ticket) {
                    resumes.append((waiter, granted))
                } else {
                    state.resolvedEarly[ticket] = granted
                }
            }
        }
        return resumes
    }

    private static func resume(_ resumes: [(CheckedContinuation<Bool, Never>, Bool)]) {
        for (waiter, granted) in resumes { waiter.resume(returning: granted) }
    }
}
