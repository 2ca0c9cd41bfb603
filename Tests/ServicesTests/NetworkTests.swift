import Core
import PaystormRuntime
import Testing

@testable import Services

/// A behaviour with no randomness in the way of the property under test.
func quietBehaviour(
    declineRate: Double = 0, timeoutRate: Double = 0, processed: Double = 0.5,
    outageMode: NetworkBehaviour.OutageMode = .timeout, outageWindows: [Range<SimTime>] = [],
    settlementDelayDays: Int = 1, returnRate: Double = 0
) -> NetworkBehaviour {
    NetworkBehaviour(
        latencyMedian: .milliseconds(200), latencySigma: 0.3, declineRate: declineRate, fraudDeclineRate: 0,
        timeoutRate: timeoutRate, timeout: .seconds(10), timedOutProcessedProbability: processed,
        outageMode: outageMode, outageWindows: outageWindows, settlementDelayDays: settlementDelayDays,
        returnRate: returnRate)
}

func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }

@Suite struct CardNetworkStateTests {
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func declineRateIsWithinBinomialBounds(seed: UInt64) throws {
        let rate = 0.1
        let requests = 5_000
        var state = try CardNetworkState(
            kind: .visa, behaviour: quietBehaviour(declineRate: rate), random: RandomStream(seed: seed))
        var declines = 0
        var codes: [DeclineCode: Int] = [:]
        for index in 0..<requests {
            let answer = try state.authorize(
                AuthorizationRequest(paymentID: PaymentID(UInt64(index)), amount: usd(1_000)), now: .zero)
            switch answer.value {
            case .declined(let code):
                declines += 1
                codes[code, default: 0] += 1
            case .approved(let authCode):
                #expect(authCode.count == 6)
            case .timedOut:
                Issue.record("no timeouts were configured")
            }
            #expect(answer.delay > .zero && answer.delay < .seconds(10))
        }
        // Mean 500, sigma = sqrt(5000 * 0.1 * 0.9) ≈ 21.2: five sigma either side.
        #expect((394...606).contains(declines), "declines \(declines) (seed \(seed))")
        #expect(state.statistics.declines == Int64(declines))
        let mostCommon = codes.max { $0.value < $1.value }?.key
        #expect(mostCommon == .insufficientFunds, "codes \(codes)")
        #expect(codes.keys.count >= 6)
    }

    @Test func duplicateAndBadAuthorizationsAreRefused() throws {
        var state = try CardNetworkState(
            kind: .visa, behaviour: quietBehaviour(), random: RandomStream(seed: 1))
        let request = AuthorizationRequest(paymentID: PaymentID(1), amount: usd(500))
        _ = try state.authorize(request, now: .zero)
        #expect(throws: NetworkError.duplicateAuthorization(PaymentID(1))) {
            try state.authorize(request, now: .zero)
        }
        #expect(throws: NetworkError.nonPositiveAmount(usd(0))) {
            try state.authorize(AuthorizationRequest(paymentID: PaymentID(2), amount: usd(0)), now: .zero)
        }
        #expect(throws: NetworkError.self) {
            try CardNetworkState(
                kind: .visa, behaviour: NetworkBehaviour(declineRate: 1.5), random: RandomStream(seed: 1))
        }
    }

    @Test func captureAndRefundRules() throws {
        var state = try CardNetworkState(
            kind: .amex, behaviour: quietBehaviour(), random: RandomStream(seed: 2))
        let id = PaymentID(9)
        _ = try state.authorize(AuthorizationRequest(paymentID: id, amount: usd(10_000)), now: .zero)
        #expect(throws: NetworkError.notCaptured(id)) {
            try state.refund(id, refundID: RefundID(1), amount: usd(1), now: .zero)
        }
        #expect(
            throws: NetworkError.captureExceedsAuthorized(requested: usd(10_001), authorized: usd(10_000))
        ) {
            try state.capture(id, amount: usd(10_001), now: .zero)
        }
        #expect(throws: NetworkError.currencyMismatch(expected: .usd, got: .eur)) {
            try state.capture(id, amount: Money(minorUnits: 1, currency: .eur), now: .zero)
        }
        let capture = try state.capture(id, amount: usd(7_000), now: .zero).value
        #expect(capture.settlementDay == 1)
        // A retried capture of the same amount is the same capture; another amount is refused.
        #expect(try state.capture(id, amount: usd(7_000), now: .zero).value == capture)
        #expect(throws: NetworkError.alreadyCaptured(id)) {
            try state.capture(id, amount: usd(8_000), now: .zero)
        }
        _ = try state.refund(id, refundID: RefundID(1), amount: usd(3_000), now: .zero)
        _ = try state.refund(id, refundID: RefundID(1), amount: usd(3_000), now: .zero)  // retry: no-op
        _ = try state.refund(id, refundID: RefundID(2), amount: usd(2_500), now: .zero)
        #expect(throws: NetworkError.refundExceedsCaptured(requested: usd(1_501), refundable: usd(1_500))) {
            try state.refund(id, refundID: RefundID(3), amount: usd(1_501), now: .zero)
        }
        let status = try #require(state.status(of: id, now: .zero))
        #expect(status.captured == usd(7_000) && status.refunded == usd(5_500))
        #expect(throws: NetworkError.unknownPayment(PaymentID(404))) {
            try state.capture(PaymentID(404), amount: usd(1), now: .zero)
        }
    }

    @Test func recordsAreBoundedOldestFirst() throws {
        var behaviour = quietBehaviour()
        behaviour.authorizationsMax = 100
        var state = try CardNetworkState(kind: .visa, behaviour: behaviour, random: RandomStream(seed: 3))
        for index in UInt64(0)..<250 {
            _ = try state.authorize(
                AuthorizationRequest(paymentID: PaymentID(index), amount: usd(100)), now: .zero)
            #expect(state.recordCount <= 100)
        }
        #expect(state.statistics.recordsEvicted == 150)
        #expect(try state.inquire(PaymentID(0), now: .zero).value == .notFound)
        #expect(try state.inquire(PaymentID(249), now: .zero).value != .notFound)
    }

    @Test func bankRailSettlesInDaysAndReturns() throws {
        var state = try CardNetworkState(
            kind: .bankRail, behaviour: quietBehaviour(settlementDelayDays: 3, returnRate: 1),
            random: RandomStream(seed: 4))
        let id = PaymentID(5)
        let dayNanoseconds: Int64 = 86_400 * 1_000_000_000
        _ = try state.authorize(AuthorizationRequest(paymentID: id, amount: usd(25_000)), now: .zero)
        let capture = try state.capture(id, amount: usd(25_000), now: .zero).value
        #expect(capture.settlementDay == 3)
        #expect(
            state.status(of: id, now: .zero)?.returnCode == nil, "the return is visible before settlement")
        // A refund before the return is known is still accepted.
        _ = try state.refund(id, refundID: RefundID(1), amount: usd(1_000), now: .zero)
        let settleTime = SimTime(nanoseconds: 3 * dayNanoseconds)
        let code = try #require(state.status(of: id, now: settleTime)?.returnCode)
        #expect(throws: NetworkError.returned(id, code)) {
            try state.refund(id, refundID: RefundID(2), amount: usd(1_000), now: settleTime)
        }
        let file = state.settlementFile(for: 3)
        #expect(file.count == 1)
        #expect(file.first?.capturedMinorUnits == 25_000)
        #expect(file.first?.returnedMinorUnits == 25_000)
        #expect(file.first?.refundedMinorUnits == 1_000)
        #expect(file.first?.returnCode == code)
        #expect(file.first?.netMinorUnits == -1_000)
        #expect(state.settlementFile(for: 0).isEmpty)
    }
}

@Suite struct CardNetworkTests {
    @Test(arguments: [UInt64(1), 5, 9])
    func timeoutThenInquireReturnsTheTruth(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        let network = try CardNetwork(
            kind: .visa, runtime: runtime,
            behaviour: quietBehaviour(declineRate: 0.3, timeoutRate: 1, processed: 0.5))
        let (results, inquiries, statuses, statistics) = try runtime.run {
            var results: [NetworkAuthorizationResult] = []
            var inquiries: [NetworkInquiryResult] = []
            var statuses: [NetworkPaymentStatus?] = []
            for index in UInt64(0)..<200 {
                let id = PaymentID(index)
                results.append(
                    try await network.authorize(AuthorizationRequest(paymentID: id, amount: usd(2_000))))
                inquiries.append(try await network.inquire(id))
                statuses.append(network.status(of: id))
            }
            return (results, inquiries, statuses, network.statistics)
        }
        #expect(results.allSatisfy { $0 == .timedOut })
        let found = inquiries.filter { $0 != .notFound }.count
        #expect(found > 60 && found < 140, "found \(found)")
        #expect(Int64(found) == statistics.timeoutsProcessed)
        #expect(inquiries.contains { if case .declined = $0 { true } else { false } })
        #expect(inquiries.contains { if case .approved = $0 { true } else { false } })
        for (inquiry, status) in zip(inquiries, statuses) {
            #expect(inquiry == (status?.inquiry ?? .notFound))
        }
        #expect(runtime.escapedJobCount == 0)
    }

    @Test func reversalReleasesTheHold() throws {
        let runtime = DeterministicRuntime(seed: 2)
        let network = try CardNetwork(kind: .mastercard, runtime: runtime, behaviour: quietBehaviour())
        let held = PaymentID(1)
        let captured = PaymentID(2)
        try runtime.run { () async throws -> Void in
            #expect(
                try await network.authorize(AuthorizationRequest(paymentID: held, amount: usd(4_200)))
                    != .timedOut)
            _ = try await network.authorize(AuthorizationRequest(paymentID: captured, amount: usd(100)))
            #expect(try await network.reverse(held) == .reversed(released: usd(4_200)))
            #expect(try await network.inquire(held) == .reversed)
            #expect(try await network.reverse(held) == .alreadyReversed)
            #expect(network.status(of: held)?.authorized == usd(0))
            await #expect(throws: NetworkError.reversed(held)) {
                try await network.capture(held, amount: usd(1))
            }
            #expect(try await network.reverse(PaymentID(99)) == .notFound)
            _ = try await network.capture(captured, amount: usd(100))
            await #expect(throws: NetworkError.alreadyCaptured(captured)) {
                try await network.reverse(captured)
            }
        }
        #expect(runtime.escapedJobCount == 0)
    }

    /// A capture and a reversal of one authorization race on the actor: exactly one wins,
    /// whichever the seed schedules first, and the network's records agree with the winner.
    @Test func captureRacingReversalHasExactlyOneWinner() throws {
        var captureWins = 0
        var reversalWins = 0
        for seed in UInt64(1)...40 {
            let runtime = DeterministicRuntime(seed: seed)
            let network = try CardNetwork(kind: .visa, runtime: runtime, behaviour: quietBehaviour())
            let id = PaymentID(seed)
            let (captured, reversed, status, file) = try runtime.run {
                _ = try await network.authorize(AuthorizationRequest(paymentID: id, amount: usd(5_000)))
                async let capture = try? network.capture(id, amount: usd(5_000))
                async let reversal = try? network.reverse(id)
                let (c, r) = await (capture, reversal)
                return (
                    c != nil, r == .reversed(released: usd(5_000)), network.status(of: id),
                    network.dailySettlementFile(for: 1)
                )
            }
            #expect(captured != reversed, "seed \(seed): capture \(captured), reversal \(reversed)")
            #expect((status?.captured == usd(5_000)) == captured)
            #expect((status?.inquiry == .reversed) == reversed)
            #expect(file.count == (captured ? 1 : 0))
            if captured { captureWins += 1 } else { reversalWins += 1 }
            #expect(runtime.escapedJobCount == 0)
        }
        #expect(captureWins > 0 && reversalWins > 0, "the scheduler never reordered the race")
    }

    @Test func outagesTimeOutOrFailFast() throws {
        let runtime = DeterministicRuntime(seed: 3)
        let slow = try CardNetwork(
            kind: .visa, runtime: runtime, behaviour: quietBehaviour(outageMode: .timeout))
        let fast = try CardNetwork(
            kind: .amex, runtime: runtime, behaviour: quietBehaviour(outageMode: .failFast))
        let windowed = try CardNetwork(
            kind: .mastercard, runtime: runtime,
            behaviour: quietBehaviour(
                outageWindows: [SimTime(nanoseconds: 0)..<SimTime(nanoseconds: 60_000_000_000)]))
        try runtime.run { () async throws -> Void in
            slow.setOutage(true)
            fast.setOutage(true)
            let start = runtime.now()
            #expect(
                try await slow.authorize(AuthorizationRequest(paymentID: PaymentID(1), amount: usd(10)))
                    == .timedOut)
            #expect(runtime.now() - start == .seconds(10))
            await #expect(throws: NetworkError.unavailable(.visa)) { try await slow.inquire(PaymentID(1)) }
            let before = runtime.now()
            #expect(
                try await fast.authorize(AuthorizationRequest(paymentID: PaymentID(1), amount: usd(10)))
                    == .declined(.issuerNotAvailable))
            #expect(runtime.now() == before)
            slow.setOutage(false)
            // The request never reached the issuer: after the outage the inquiry says so.
            #expect(try await slow.inquire(PaymentID(1)) == .notFound)
            #expect(slow.statistics.outageRejections == 1)
            // A scheduled window: down in the first minute, up after it.
            #expect(windowed.isDown)
            try await runtime.sleep(until: SimTime(nanoseconds: 60_000_000_000))
            #expect(windowed.isDown == false)
            #expect(
                try await windowed.authorize(AuthorizationRequest(paymentID: PaymentID(7), amount: usd(10)))
                    != .timedOut)
        }
        let early = DeterministicRuntime(seed: 3)
        let down = try CardNetwork(
            kind: .visa, runtime: early,
            behaviour: quietBehaviour(outageWindows: [SimTime.zero..<SimTime(nanoseconds: 60_000_000_000)]))
        try early.run { () async throws -> Void in
            #expect(down.isDown)
            #expect(
                try await down.authorize(AuthorizationRequest(paymentID: PaymentID(1), amount: usd(10)))
                    == .timedOut)
            await #expect(throws: NetworkError.unavailable(.visa)) {
                try await down.capture(PaymentID(1), amount: usd(1))
            }
            try await early.sleep(for: .seconds(60))
            #expect(down.isDown == false)
        }
    }

    /// Many payments captured (partly) and refunded (partly) over two days, concurrently: each
    /// day's settlement file lists exactly what the test captured and refunded that day.
    @Test(arguments: [UInt64(1), 8])
    func settlementFileMatchesCapturedAmounts(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        let network = try CardNetwork(
            kind: .visa, runtime: runtime, behaviour: quietBehaviour(settlementDelayDays: 1))
        let (expected, files) = try runtime.run {
            let expected = await withTaskGroup(of: [Int64: [PaymentID: (Int64, Int64)]].self) { group in
                for worker in UInt64(0)..<8 {
                    group.addTask {
                        var random = runtime.randomStream("settlement-test", worker)
                        var mine: [Int64: [PaymentID: (Int64, Int64)]] = [:]
                        for index in UInt64(0)..<40 {
                            let id = PaymentID(worker * 1_000 + index)
                            let amount = random.int(in: 100...100_000)
                            guard
                                case .approved? = try? await network.authorize(
                                    AuthorizationRequest(paymentID: id, amount: usd(amount)))
                            else { continue }
                            let capturedAmount = random.int(in: 1...amount)
                            guard let capture = try? await network.capture(id, amount: usd(capturedAmount))
                            else {
                                continue
                            }
                            mine[capture.settlementDay, default: [:]][id, default: (0, 0)].0 += capturedAmount
                            if random.chance(0.5) {
                                try? await runtime.sleep(for: .seconds(random.int(in: 1...100_000)))
                                let refundAmount = random.int(in: 1...capturedAmount)
                                if let refund = try? await network.refund(
                                    id, refundID: RefundID(id.rawValue), amount: usd(refundAmount))
                                {
                                    mine[refund.settlementDay, default: [:]][id, default: (0, 0)].1 +=
                                        refundAmount
                                }
                            }
                        }
                        return mine
                    }
                }
                var all: [Int64: [PaymentID: (Int64, Int64)]] = [:]
                for await part in group {
                    for (day, lines) in part { all[day, default: [:]].merge(lines) { a, _ in a } }
                }
                return all
            }
            var files: [Int64: [SettlementLine]] = [:]
            for day in Int64(0)...4 { files[day] = network.dailySettlementFile(for: day) }
            return (expected, files)
        }
        #expect(!expected.isEmpty)
        #expect(expected.keys.contains(2), "no refund crossed a day")
        for day in Int64(0)...4 {
            let file = files[day] ?? []
            let lines = expected[day] ?? [:]
            #expect(file.count == lines.count, "day \(day)")
            for line in file {
                let want = lines[line.paymentID]
                #expect(want?.0 == line.capturedMinorUnits && want?.1 == line.refundedMinorUnits, "\(line)")
                #expect(line.day == day && line.network == .visa && line.currency == .usd)
            }
        }
    }

    @Test func sameSeedSameOutcomes() throws {
        func run(_ seed: UInt64) throws -> ([NetworkAuthorizationResult], UInt64, SimTime) {
            let runtime = DeterministicRuntime(seed: seed)
            let network = try CardNetwork(
                kind: .visa, runtime: runtime, behaviour: NetworkBehaviour(timeoutRate: 0.05))
            let results = try runtime.run {
                await withTaskGroup(of: NetworkAuthorizationResult?.self) { group in
                    for index in UInt64(0)..<300 {
                        group.addTask {
                            try? await network.authorize(
                                AuthorizationRequest(paymentID: PaymentID(index), amount: usd(999)))
                        }
                    }
                    var results: [NetworkAuthorizationResult] = []
                    for await result in group { results.append(result ?? .timedOut) }
                    return results
                }
            }
            return (results, runtime.statistics.scheduleDigest, runtime.now())
        }
        let first = try run(77)
        let second = try run(77)
        #expect(first.0 == second.0 && first.1 == second.1 && first.2 == second.2)
        #expect(first.0.contains(.timedOut))
        #expect(try run(78).0 != first.0)
    }
}
