extension Payment {
    /// A payment as a journal last showed it, for recovery: the state and amounts are taken as
    /// they were journaled rather than replayed command by command (the journal holds each
    /// transition's result, not every input that led to it).
    ///
    /// The invariants `Payment` promises are checked here, since the values come from outside:
    /// a journal that breaks them is refused, not turned into a payment that breaks them.
    /// - Throws: `.paymentAmountNotPositive` for a zero or negative amount,
    ///   `.amountExceedsLimit` (command `.capture`) when the amounts break
    ///   `0 <= refunded <= captured <= amount`, capturable or dispute outside their bounds.
    public init(
        restoring state: PaymentState, amount: Money, amountCapturableMinorUnits: Int64,
        amountCapturedMinorUnits: Int64, amountRefundedMinorUnits: Int64,
        dispute: (amountMinorUnits: Int64, status: DisputeStatus)?, isSettled: Bool, isAuthenticated: Bool
    ) throws(PaymentTransitionError) {
        try self.init(amount: amount)
        let total = amount.minorUnits
        let withinBounds =
            (0...total).contains(amountCapturableMinorUnits) && (0...total).contains(amountCapturedMinorUnits)
            && (0...amountCapturedMinorUnits).contains(amountRefundedMinorUnits)
            && (dispute.map { (0...amountCapturedMinorUnits).contains($0.amountMinorUnits) } ?? true)
        guard withinBounds else {
            throw .amountExceedsLimit(
                command: .capture(amountMinorUnits: amountCapturedMinorUnits), state: state,
                limitMinorUnits: total)
        }
        self.state = state
        self.amountCapturableMinorUnits = amountCapturableMinorUnits
        self.amountCapturedMinorUnits = amountCapturedMinorUnits
        self.amountRefundedMinorUnits = amountRefundedMinorUnits
        self.dispute = dispute.map {
            PaymentDispute(amountMinorUnits: $0.amountMinorUnits, status: $0.status)
        }
        self.isSettled = isSettled
        self.isAuthenticated = isAuthenticated
    }
}
