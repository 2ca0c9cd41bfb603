import Core

extension PaymentOrchestrator {
    /// Finishes a payment a restart left where only the dead process would have moved it on
    /// (the process decides how: `PaymentProcess.Input.restarted`).
    /// - Returns: whether the payment was moved on.
    @discardableResult
    func settleInterrupted(_ id: PaymentID) async -> Bool {
        guard let before = await payment(id) else { return false }
        _ = try? await run(.restarted, id)
        return await payment(id)?.payment.state != before.payment.state
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
