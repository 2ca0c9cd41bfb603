import Core
import Services

/// Rebuilds the API's own objects from the journal's `ServerRecord`s, in journal order: the
/// latest image of each intent, refund and endpoint, the disputes, the events, and the first
/// answer given to each idempotency key. Plain values, no awaits: the resuming server reads
/// the journal and feeds each record here.
struct ServedObjectsFold {
    /// Latest image per payment, and the order intents were first seen in.
    var intents: [UInt64: ServerRecord.IntentImage] = [:]
    var intentOrder: [UInt64] = []
    var refunds: [ServerRecord.RefundImage] = []
    var disputes: [ServerRecord.DisputeImage] = []
    var endpoints: [ServerRecord.EndpointImage] = []
    var events: [ServerRecord.EventImage] = []
    /// `merchant/key` to the first answer.
    var answers: [String: ServerRecord.AnswerImage] = [:]
    var answerOrder: [String] = []
    /// The latest entry of each dashboard key, by its hash, in the order keys were first seen.
    var keyEntries: [String: ServerRecord.KeyEntryImage] = [:]
    var keyOrder: [String] = []
    /// Deliveries owed no more, as `eventID/endpointID`: every other delivery of a journaled
    /// event is sent again by a resumed server.
    var settledDeliveries: Set<String> = []
    /// Records whose image did not decode (a newer layout): counted, not guessed at.
    var undecodable = 0

    mutating func apply(_ record: ServerRecord) {
        switch record.kind {
        case .intent:
            guard let image = record.decode(ServerRecord.IntentImage.self) else { return undecodable += 1 }
            if intents.updateValue(image, forKey: image.paymentID) == nil {
                intentOrder.append(image.paymentID)
            }
        case .refund:
            guard let image = record.decode(ServerRecord.RefundImage.self) else { return undecodable += 1 }
            refunds.append(image)
        case .dispute:
            guard let image = record.decode(ServerRecord.DisputeImage.self) else { return undecodable += 1 }
            disputes.append(image)
        case .endpointAdded:
            guard let image = record.decode(ServerRecord.EndpointImage.self) else { return undecodable += 1 }
            endpoints.append(image)
        case .endpointRemoved:
            guard let image = record.decode(ServerRecord.EndpointRemovedImage.self) else {
                return undecodable += 1
            }
            endpoints.removeAll { $0.id == image.id && $0.merchantID == image.merchantID }
        case .event:
            guard let image = record.decode(ServerRecord.EventImage.self) else { return undecodable += 1 }
            events.append(image)
        case .keyEntry:
            guard let image = record.decode(ServerRecord.KeyEntryImage.self) else { return undecodable += 1 }
            if keyEntries.updateValue(image, forKey: image.hashHex) == nil {
                keyOrder.append(image.hashHex)
            }
        case .deliverySettled:
            guard let image = record.decode(ServerRecord.DeliverySettledImage.self) else {
                return undecodable += 1
            }
            settledDeliveries.insert("\(image.eventID)/\(image.endpointID)")
        case .answer:
            guard let image = record.decode(ServerRecord.AnswerImage.self) else { return undecodable += 1 }
            let scoped = "\(image.merchantID)/\(image.key)"
            if answers[scoped] == nil {
                answers[scoped] = image
                answerOrder.append(scoped)
            }
        }
    }

    /// Statuses that wait for the client: crash repair must leave such a payment as it is.
    static let waitingStatuses: Set<String> = [
        "requires_payment_method", "requires_confirmation", "requires_action",
    ]

    /// What the processor's recovery must honour (see `ServedRecovery`), with answer ages
    /// measured from `nowUnixNanoseconds`.
    func served(nowUnixNanoseconds: Int64) -> ServedRecovery {
        var served = ServedRecovery()
        served.restoresBalanceTransactions = true
        for image in intents.values where Self.waitingStatuses.contains(image.status) {
            served.waitingForClient.insert(PaymentID(image.paymentID))
        }
        for scoped in answerOrder {
            let image = answers[scoped]!
            served.answers.append(
                ServedRecovery.Answer(
                    merchant: MerchantID(image.merchantID), key: image.key,
                    response: StoredResponse(status: image.status, text: image.body),
                    age: .nanoseconds(max(0, nowUnixNanoseconds - image.answeredUnixNanoseconds))))
        }
        return served
    }
}
