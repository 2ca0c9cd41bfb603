import Core

/// One movement of a merchant's balance, shaped like Stripe's balance transaction
/// (`GET /v1/balance_transactions`): what moved, why (`type`, `source`), what the processor took
/// (`fee`, `feeDetails`) and what the merchant keeps (`net = amount - fee`), in the merchant's
/// settlement currency.
///
/// Derived from the ledger transfers a booking applied (`BalanceTransactionDerivation`), live
/// and from a journal alike, so that an export recomputes the merchant's balance and payouts
/// to the minor unit: the nets of everything but payouts add up to what the merchant earned,
/// and the payouts' amounts to what it was paid.
public struct BalanceTransaction: Sendable, Hashable, Codable {
    /// Stripe's `type` values Paystorm produces.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A capture: the charge's value in the settlement currency, less the processing fee.
        case charge
        /// A refund to the customer (the processing fee is not given back).
        case refund
        /// A dispute's withdrawal (amount and dispute fee) or, when it is won, their return.
        case adjustment
        /// A bank debit the customer's bank returned.
        case paymentFailureRefund = "payment_failure_refund"
        /// Money paid out to the merchant's bank account.
        case payout
    }

    /// A part of the fee, as Stripe itemizes it.
    public struct FeeDetail: Sendable, Hashable, Codable {
        public var amount: Int64
        public var currency: String
        public var type: String
        public var description: String
    }

    /// `txn_` and the id of the first ledger transfer of the movement: unique, and the same when
    /// rebuilt from the journal.
    public var id: String
    public var merchant: MerchantID
    /// Signed, in minor units of `currency`: positive into the merchant's balance.
    public var amount: Int64
    /// The settlement currency, lower case as Stripe writes it.
    public var currency: String
    /// Unix seconds (the run's clock).
    public var created: Int64
    /// When the amount becomes available for payout (Unix seconds).
    public var availableOn: Int64
    /// For a charge presented in another currency: settlement units per presentment unit, as a
    /// decimal string computed from the two booked amounts (never a float).
    public var exchangeRate: String?
    /// The processor's fee, in minor units of `currency` (negative when a fee is given back).
    public var fee: Int64
    public var feeDetails: [FeeDetail]
    /// `amount - fee`.
    public var net: Int64
    /// What the movement is about: `ch_` (a charge), `re_` (a refund), `dp_` (a dispute),
    /// `po_` (a payout) followed by the payment's or the transfer's number.
    public var source: String
    public var type: Kind
    /// Stripe's `reporting_category`: `charge`, `refund`, `dispute`, `dispute_reversal`,
    /// `payment_failure_refund` or `payout`.
    public var reportingCategory: String

    /// The CSV header of `csvLine`.
    public static let csvHeader =
        "id,merchant,type,reporting_category,source,amount,currency,exchange_rate,fee,fee_details,net,created,available_on"

    /// One CSV line (no newline); fee details as `type:amount` pairs separated by `;`.
    public var csvLine: String {
        let details = feeDetails.map { "\($0.type):\($0.amount)" }.joined(separator: ";")
        return [
            id, merchant.description, type.rawValue, reportingCategory, source, String(amount), currency,
            exchangeRate ?? "", String(fee), details, String(net), String(created), String(availableOn),
        ].joined(separator: ",")
    }

    /// One JSON object (no newline), Stripe's field names and `object: balance_transaction`.
    public var jsonLine: String {
        let details = feeDetails.map {
            "{\"amount\":\($0.amount),\"currency\":\"\($0.currency)\",\"type\":\"\($0.type)\",\"description\":\"\($0.description)\"}"
        }
        return
            "{\"id\":\"\(id)\",\"object\":\"balance_transaction\",\"merchant\":\"\(merchant.description)\","
            + "\"type\":\"\(type.rawValue)\",\"reporting_category\":\"\(reportingCategory)\","
            + "\"source\":\"\(source)\",\"amount\":\(amount),\"currency\":\"\(currency)\","
            + "\"exchange_rate\":\(exchangeRate ?? "null"),\"fee\":\(fee),"
            + "\"fee_details\":[\(details.joined(separator: ","))],\"net\":\(net),"
            + "\"created\":\(created),\"available_on\":\(availableOn)}"
    }

    /// Parses a line `csvLine` wrote (for tools and tests that read an export back).
    public init?(csvLine line: Substring) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 13, let merchant = try? MerchantID(parsing: String(fields[1])),
            let type = Kind(rawValue: String(fields[2])),
            let amount = Int64(fields[5]), let fee = Int64(fields[8]), let net = Int64(fields[10]),
            let created = Int64(fields[11]), let availableOn = Int64(fields[12])
        else { return nil }
        let currency = String(fields[6])
        var details: [FeeDetail] = []
        for pair in fields[9].split(separator: ";") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let value = Int64(parts[1]) else { return nil }
            details.append(
                FeeDetail(amount: value, currency: currency, type: String(parts[0]), description: ""))
        }
        self.init(
            id: String(fields[0]), merchant: merchant, amount: amount, currency: currency,
            created: created, availableOn: availableOn,
            exchangeRate: fields[7].isEmpty ? nil : String(fields[7]),
            fee: fee, feeDetails: details, net: net, source: String(fields[4]), type: type,
            reportingCategory: String(fields[3]))
    }

    public init(
        id: String, merchant: MerchantID, amount: Int64, currency: String, created: Int64, availableOn: Int64,
        exchangeRate: String?, fee: Int64, feeDetails: [FeeDetail], net: Int64, source: String, type: Kind,
        reportingCategory: String
    ) {
        self.id = id
        self.merchant = merchant
        self.amount = amount
        self.currency = currency
        self.created = created
        self.availableOn = availableOn
        self.exchangeRate = exchangeRate
        self.fee = fee
        self.feeDetails = feeDetails
        self.net = net
        self.source = source
        self.type = type
        self.reportingCategory = reportingCategory
    }
}

public enum BalanceTransactionKind: IdentifierKind { public static let prefix = "txn" }
public enum ChargeKind: IdentifierKind { public static let prefix = "ch" }
/// `txn_...`: a balance transaction's id.
public typealias BalanceTransactionID = Identifier<BalanceTransactionKind>
/// `ch_...`: the charge of a payment (its number is the payment's).
public typealias ChargeID = Identifier<ChargeKind>
