import Core
import Ledger
import PaystormRuntime
import Services

// What the lifecycle and recovery benchmarks share: cards that pass every check, a processor
// whose networks approve everything, and merchants that each pay in their own task.

/// A Luhn-valid 16-digit Visa number per `number`, so that no two payments share a card and no
/// card trips the fraud engine's velocity rules (they count per card fingerprint).
public func luhnValidVisa(_ number: Int) -> String {
    let body = "4" + String(String(100_000_000_000_000 + number).suffix(14))
    var sum = 0
    for (offset, character) in body.reversed().enumerated() {
        var digit = Int(character.asciiValue! - 48)
        if offset % 2 == 0 {
            digit *= 2
            if digit > 9 { digit -= 9 }
        }
        sum += digit
    }
    return body + String((10 - sum % 10) % 10)
}

/// One tokenized card per payment.
public func benchmarkCards(count: Int) throws -> [Card] {
    try (0..<count).map { number in
        try Card.tokenize(
            pan: luhnValidVisa(number), expiryMonth: 12, expiryYear: 2030, funding: .credit,
            token: "tok_\(number)")
    }
}

/// A processor whose networks approve everything after `networkLatency` and never time out,
/// and whose webhook endpoints never fail, as in the services tests.
public func approvingConfiguration(networkLatency: Duration, webhooks: Bool) -> PaymentSystemConfiguration {
    var configuration = PaymentSystemConfiguration()
    configuration.webhooks.enabled = webhooks
    configuration.webhooks.failureProbability = 0
    for kind in PaymentNetwork.allCases {
        configuration.networks[kind] = NetworkBehaviour(
            latencyMedian: networkLatency, latencySigma: 0, declineRate: 0, fraudDeclineRate: 0,
            timeoutRate: 0)
    }
    return configuration
}

/// Onboards `merchants` merchants, then each merchant's task creates its
/// `paymentsPerMerchant` payments one after another (automatic capture), and waits for the
/// webhooks. Returns how many were approved. The same code for both runtimes: the runtime the
/// system was built with decides where the tasks run.
/// - Parameter idempotencyKeys: send each payment with a key of its own (`order-N`).
public func payEveryMerchant(
    _ system: PaymentSystem, merchants: Int, paymentsPerMerchant: Int, cards: [Card], idempotencyKeys: Bool
) async throws -> Int {
    var keys: [(MerchantID, String)] = []
    for number in 0..<merchants {
        let merchant = MerchantID(UInt64(number) + 1)
        guard let key = try await system.onboard(merchant, settlementCurrency: .usd) else {
            preconditionFailure("onboarding \(merchant) failed")
        }
        keys.append((merchant, key.secret))
    }
    let approved = await withTaskGroup(of: Int.self) { group in
        for (index, (merchant, secret)) in keys.enumerated() {
            group.addTask {
                var approved = 0
                for payment in 0..<paymentsPerMerchant {
                    let number = index * paymentsPerMerchant + payment
                    let request = PaymentRequest(
                        merchant: merchant,
                        amount: Money(minorUnits: Int64(1_000 + number % 50_000), currency: .usd),
                        method: .card(cards[number]), captureMethod: .automatic, customerCountry: "US",
                        deviceID: UInt64(number) + 1)
                    let response = await system.createPayment(
                        request, apiKey: secret, idempotencyKey: idempotencyKeys ? "order-\(number)" : nil)
                    if response.status == 200 { approved += 1 }
                }
                return approved
            }
        }
        return await group.reduce(0, +)
    }
    if let webhooks = system.webhooks { await webhooks.waitUntilIdle() }
    return approved
}
