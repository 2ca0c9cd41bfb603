/// The API operations whose answers are acknowledged in the journal.
public enum APIOperation: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case createPayment = 1
    case capture = 2
    case cancel = 3
    case refund = 4
    case submitDisputeEvidence = 5

    public var description: String {
        switch self {
        case .createPayment: "create_payment"
        case .capture: "capture"
        case .cancel: "cancel"
        case .refund: "refund"
        case .submitDisputeEvidence: "submit_dispute_evidence"
        }
    }
}
