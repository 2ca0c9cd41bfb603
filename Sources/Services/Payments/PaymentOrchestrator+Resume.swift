import Core

extension PaymentOrchestrator {
    /// Finishes a payment a restart left where only the dead process would have moved it on
    /// (the process decides how: `PaymentProcess.Input.restarted`).
    ///
    /// `persistently` (crash repair): a step the journal refused is tried again with the
    /// journal's persistent backoff, until the payment is out of those states or the attempts
    /// run out. A journal failing its syncs just after the restart must not leave a payment
    /// `created` for good: nobody else would move it on.
    /// - Returns: whether the payment was moved on.
    @discardableResult
    func settleInterrupted(_ id: PaymentID, persistently: Bool = false) async -> Bool {
        guard let before = await payment(id) else { return false }
        let attemptsMax = persistently ? PaymentJournaling.persistentAttemptsMax : 1
        for attempt in 1...attemptsMax {
            do throws(PaymentServiceError) {
                try await run(.restarted, id)
            } catch {
                // Only a refused append is worth another attempt: anything else ended the step.
                guard error.isRetryable else { break }
            }
            guard let state = await payment(id)?.payment.state, Self.isInterrupted(state) else { break }
            if attempt < attemptsMax {
                try? await runtime.sleep(
                    for: PaymentJournaling.persistentBackoff.delay(afterRetries: attempt - 1))
            }
        }
        return await payment(id)?.payment.state != before.payment.state
    }

    /// Whether only a process that died would have moved a payment on from `state`.
    static func isInterrupted(_ state: PaymentState) -> Bool {
        switch state {
        case .created, .requiresAction, .authorizationUnknown: true
        default: false
        }
    }

    /// The retry, after a restart, of a create whose work had begun: answers as `create` would
    /// have from where the payment stands, finishing the automatic capture if it had not
    /// happened. Never creates a second payment.
    func resumeCreate(
        _ id: PaymentID, automaticCapture: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        await settleInterrupted(id)
        let record = try await record(id)
        switch record.payment.state {
        case .created, .requiresAction, .authorizationUnknown:
            // The journal refused the step that would have settled it: the key's next retry
            // resumes it again.
            throw .journalUnavailable(id, "the interrupted payment could not be settled yet")
        case .failed(let code):
            throw .cardDeclined(id, code)
        case .authorized where automaticCapture:
            return try await capture(id, amountMinorUnits: nil)
        default:
            return record
        }
    }
}
