import Core
import Ledger
import PaystormRuntime

/// The orchestrator as the executor of `PaymentProcess`: it feeds an input to the payment's
/// process (in its shard, under the lock: the reservation), carries out the actions it returns
/// in order, and feeds each result back. No decision about the payment is taken here.
extension PaymentOrchestrator {
    /// Runs `input` through the payment's process until nothing is left to do, and returns the
    /// payment as it stands then.
    /// - Parameter request: the request being confirmed, for the actions that need it
    ///   (screening, 3-D Secure, authorization).
    /// - Throws: what the process ends the operation with (`cardDeclined`, `unexpectedState`,
    ///   `journalUnavailable`...), or `ledgerRefused` when a booking is refused.
    @discardableResult
    func run(
        _ input: PaymentProcess.Input, _ id: PaymentID, request: PaymentRequest? = nil
    ) async throws(PaymentServiceError) -> PaymentRecord {
        // A stack, last action on top: a result's actions go before what was still pending.
        // One buffer for the whole operation: each step's batch is appended and reversed in
        // place (a payment's batches are a few actions each; eight covers most operations).
        var pending: [PaymentProcess.Action] = []
        pending.reserveCapacity(8)
        try decide(input, id, into: &pending)
        pending.reverse()
        while let action = pending.popLast() {
            if let result = try await perform(action, id, request) {
                let batchStart = pending.count
                try decide(result, id, into: &pending)
                pending[batchStart...].reverse()
            }
        }
        return try await record(id)
    }

    private func decide(
        _ input: PaymentProcess.Input, _ id: PaymentID, into actions: inout [PaymentProcess.Action]
    ) throws(PaymentServiceError) {
        try shard(id).handle(
            input, for: id, now: runtime.now(), fees: configuration.fees,
            plantedBug: configuration.plantedBug,
            inquiriesMax: configuration.inquiriesMax, into: &actions)
    }

    /// Carries out one action; returns the input its result makes, if it has one.
    private func perform(
        _ action: PaymentProcess.Action, _ id: PaymentID, _ request: PaymentRequest?
    ) async throws(PaymentServiceError) -> PaymentProcess.Input? {
        switch action {
        case .journal(let transition):
            do throws(PaymentServiceError) {
                try await paymentJournal.transition(transition)
                return .journaled(transition)
            } catch {
                return .journalRefused(transition, error)
            }
        case .emit(let types, let firstIndex, let merchant, let amount):
            events.emit(types, for: id, merchant: merchant, amount: amount, firstIndex: firstIndex)
            return nil
        case .screen(let automatic):
            let input = try fraudInput(request, id)
            let decision = configuration.fraudScreening ? await fraud.assess(input).decision : .approve
            return .screened(decision, capturesAutomatically: automatic)
        case .challenge(let automatic):
            let input = try fraudInput(request, id)
            let authenticated = await fraud.runThreeDSecure(for: input).isAuthenticated
            return .authenticated(authenticated, capturesAutomatically: automatic)
        case .waitForCustomer:
            let request = try needed(request, id)
            awaitingAuthentication.withLock {
                if $0.count < Self.awaitingAuthenticationMax { $0[id] = request }
            }
            return nil
        case .authorize(let isRetry, let automatic):
            let result = await authorize(id, try needed(request, id))
            return .authorizationAnswered(result, isRetry: isRetry, capturesAutomatically: automatic)
        case .inquire(let attempt, let automatic):
            try? await runtime.sleep(for: configuration.inquiryDelay)
            let network = try await record(id).network
            let answer = try? await networks[network]!.inquire(id)
            if answer != nil { counters.withLock { $0.inquiries += 1 } }
            return .inquiryAnswered(answer, attempt: attempt, capturesAutomatically: automatic)
        case .lockRate(let from, let to, let amount):
            return .rateLocked(currency.quote(from: from, to: to), amountMinorUnits: amount)
        case .book(let booking, let isJournaled):
            let day = booking.isFiledOnSettlementDay ? booking.network.map(settlementDay) : booking.day
            try await book(booking, for: id, day: day, isJournaled: isJournaled)
            return .booked(booking)
        case .owe(let obligation):
            await fulfil(obligation)
            return nil
        case .recordBankReturn(let merchant):
            merchants.shard(merchant).recordBankReturn(merchant)
            return nil
        case .count(let tally):
            count(tally)
            return nil
        case .fail(let error):
            throw error
        }
    }

    private func needed(
        _ request: PaymentRequest?, _ id: PaymentID
    ) throws(PaymentServiceError) -> PaymentRequest {
        guard let request else { throw .invalidRequest("\(id) has no request to confirm it with") }
        return request
    }

    private func fraudInput(
        _ request: PaymentRequest?, _ id: PaymentID
    ) throws(PaymentServiceError) -> FraudInput {
        let request = try needed(request, id)
        return try Self.fraudInput(request, fingerprint: Self.route(request.method).1)
    }

    private func count(_ tally: PaymentProcess.Tally) {
        counters.withLock {
            switch tally {
            case .transition: $0.transitions += 1
            case .authorizationTimeout: $0.authorizationTimeouts += 1
            case .reversal: $0.reversals += 1
            case .bankReturn: $0.bankReturns += 1
            case .undone(let conflict):
                $0.transitionsUndone += 1
                if let conflict {
                    $0.undoConflicts += 1
                    if $0.undoConflictExamples.count < 20 { $0.undoConflictExamples.append(conflict) }
                }
            }
        }
    }

    /// Sends the authorization request; nil when the network refused it outright (down).
    private func authorize(_ id: PaymentID, _ request: PaymentRequest) async -> NetworkAuthorizationResult? {
        let network = networks[Self.route(request.method).0]!
        let sentAt = runtime.now()
        defer {
            let waited = runtime.now().nanoseconds - sentAt.nanoseconds
            ProcessorMetrics.authorizeDuration.recordNanoseconds(waited)
        }
        let result = try? await network.authorize(
            AuthorizationRequest(
                paymentID: id, amount: request.amount, isFraudulentTruth: request.isFraudulentTruth,
                scriptedDecline: request.scriptedDecline))
        configuration.authorizationObserver?(id, result, runtime.now() - sentAt)
        return result
    }
}
