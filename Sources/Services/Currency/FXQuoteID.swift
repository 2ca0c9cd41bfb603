import Core

/// The kind of a locked FX quote's identifier: `fxq_...`.
public enum FXQuoteKind: IdentifierKind { public static let prefix = "fxq" }

/// Names one `LockedRate`, so that a payment, its ledger transfers and a report can all point at
/// the rate it was converted with.
public typealias FXQuoteID = Identifier<FXQuoteKind>
