import Core
import PaystormRuntime

extension PaymentOrchestrator {
    /// Finishes a payment a restart left in a state only the dead process would have moved on
    /// from: waiting for 3-D Secure (`requiresAction`: abandoned, the customer's session is
    /// gone), or with an authorization whose outcome it never learnt: after a timeout
    /// (`authorizationUnknown`) or not even that (`created`: the request may have reached the
    /// issuer, which may have approved). Those are asked, then reversed, as `authorize` does
    /// after a timeout: authorizing again could hold the customer's money twice.
    /// - Returns: whether the payment was moved on.
    @discardableResult
    func settleInterrupted(_ id: PaymentID) async -> Bool {
        guard let record = await payment(id) else { return false }
        switch record.payment.state {
        case .created:
            guard (try? await transition(.authorizationResult(.timedOut), id)) != nil else { return false }
            do {
                try await resolveUnknownAuthorization(id, network: networks[record.network]!)
            } catch {}
            return true
        case .requiresAction:
            return (try? await transition(.actionAbandoned, id)) != nil
        case .authorizationUnknown:
            do {
                try await resolveUnknownAuthorization(id, network: networks[record.network]!)
            } catch {}
            return true
        default:
            return false
        }
    }

    /// The wait before crash repair tries an interrupted payment again: the journal may refuse
    /// the step that settles it (a failing sync outlives the crash), and nobody else comes back
    /// for a payment no client's key leads to.
    static let crashRepairBackoff = Backoff(first: .milliseconds(250), max: .seconds(8))
    /// Tries per interrupted payment: about two minutes of refusals at the longest wait.
    static let crashRepairAttemptsMax = 20

    /// Crash repair of one payment: settles it (see `settleInterrupted`) and, when no client
    /// will come back for it (`resumable` false) and it turns out authorized, voids it. A step
    /// the journal refuses is tried again after a backoff, until the payment is final.
    func repairInterrupted(_ id: PaymentID, resumable: Bool) async {
        for retries in 0..<Self.crashRepairAttemptsMax {
            if retries > 0 {
                try? await runtime.sleep(for: Self.crashRepairBackoff.delay(afterRetries: retries - 1))
            }
            await settleInterrupted(id)
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
