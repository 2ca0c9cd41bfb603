import Core
import Journal

@testable import Services

extension PaymentJournalRecord {
    /// The services' record `journaled` holds; nil for another type (a ledger transfer).
    static func of(_ journaled: JournalRecord) -> PaymentJournalRecord? {
        guard journaled.type == recordType else { return nil }
        return try? journaled.decode(PaymentJournalRecord.self)
    }

    /// The payment the record is about, if any (payouts' bookings name payment 0).
    var payment: PaymentID? {
        switch self {
        case .opened(let payment, _, _, _): payment.id
        case .transition(let transition): transition.result.id
        case .acknowledged(_, _, let answer, _, _): answer.id
        case .bookingIntent(let id, _), .bookingAborted(let id), .paymentRetired(let id): id
        case .merchantOnboarded, .apiKeyIssued, .webhookSettled, .paymentIDBlock: nil
        }
    }

    /// The case's name, as `BinaryEncoder` journals it.
    var kind: String { String(String(describing: self).prefix { $0 != "(" }) }
}
