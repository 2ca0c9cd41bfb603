import Core
import PaystormRuntime

extension PaymentOrchestrator {
    /// The wait before crash repair tries an interrupted payment again: the journal may refuse
    /// the step that settles it (a failing sync outlives the crash), and nobody else comes back
    /// for a payment no client's key leads to.
    static let crashRepairBackoff = Backoff(first: .milliseconds(250), max: .seconds(8))
    /// Tries per interrupted payment: about two minutes of refusals at the longest wait.
    static let crashRepairAttemptsMax = 20

    /// Crash repair of one payment: moves it on from where only the dead process would have
    /// (the process decides how: `PaymentProcess.Input.restarted`) and, when no client will
    /// come back for it (`resumable` false) and it turns out authorized, voids it. A step the
    /// journal refuses is tried again after a backoff, until the payment is final.
    func repairInterrupted(_ id: PaymentID, resumable: Bool) async {
        for retries in 0..<Self.crashRepairAttemptsMax {
            if retries > 0 {
                try? await runtime.sleep(for: Self.crashRepairBackoff.delay(afterRetries: retries - 1))
            }
            _ = try? await run(.restarted, id)
            guard let state = await payment(id)?.payment.state else { return }
            switch state {
            case .created, .requiresAction, .authorizationUnknown:
                continue
            case .authorized where !resumable:
                if (try? await void(id)) != nil { return }
            default:
                return
            }
        }
    }

    /// The retry, after a restart, of a create whose work had begun: answers as `create` would
    /// have from where the payment stands, finishing the automatic capture if it had not
    /// happened. Never creates a second payment.
    func resumeCreate(
        _ id: PaymentID, automaticCapture: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        _ = try? await run(.restarted, id)
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
