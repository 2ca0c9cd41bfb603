import Core

extension Transfer {
    /// Checks what can be checked without the ledger's state: ids, legs, amounts, currency and
    /// balance. Runs once per transfer before anything is routed to a shard.
    ///
    /// - Returns: nil for a well-formed transfer, else the first problem found.
    public func validationError(
        legsMax: Int = LedgerConfiguration.legsPerTransferMaxDefault
    ) -> TransferError? {
        if id.rawValue == 0 || id.rawValue == .max { return .invalidID(id) }
        if let pending = pendingID, pending.rawValue == 0 || pending.rawValue == .max || pending == id {
            return .invalidID(pending)
        }
        if legs.isEmpty { return .empty }
        if legs.count > legsMax { return .tooManyLegs(count: legs.count, max: legsMax) }
        let zeroAllowed: Bool
        switch phase {
        case .single, .pending: zeroAllowed = false
        case .post, .void: zeroAllowed = true
        }
        let currencyIndex = currency.index
        var debits: Int64 = 0
        var credits: Int64 = 0
        for (index, leg) in legs.enumerated() {
            guard let kind = leg.account.kind, leg.account.currencyIndex < Currency.all.count,
                leg.account.stripe == 0, kind.isMerchantAccount == (leg.account.owner != 0)
            else { return .invalidAccount(leg: index) }
            if leg.account.currencyIndex != currencyIndex {
                return .mixedCurrency(leg: index, account: leg.account)
            }
            if leg.amount < 0 { return .negativeAmount(leg: index) }
            if leg.amount == 0 && !zeroAllowed { return .zeroAmount(leg: index) }
            let overflow: Bool
            switch leg.side {
            case .debit: (debits, overflow) = debits.addingReportingOverflow(leg.amount)
            case .credit: (credits, overflow) = credits.addingReportingOverflow(leg.amount)
            }
            if overflow { return .overflow(account: nil) }
        }
        if debits != credits { return .unbalanced(debits: debits, credits: credits) }
        return nil
    }
}
