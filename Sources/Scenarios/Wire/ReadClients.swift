import Core
import PaystormRuntime
import Services

/// The scenario's read traffic over the wire: one open-model arrival process per read kind,
/// its rate the load curve scaled to that kind, each read a task of its own reading a recent
/// payment's merchant through the target.
struct ReadClients: Sendable {
    let traffic: ReadTraffic
    let load: LoadProfile
    let averagePaymentTPS: Double
    let target: any PaymentTarget
    let recent: RecentPayments
    let metrics: ReadMetrics
    let runtime: any Runtime
    /// Reads in flight at most: beyond it an arrival is not sent (counted as failed, by the
    /// runner).
    static let inFlightMax = 20_000
    /// Each kind's clients wake at most once per this interval and send every read due by then
    /// (0: a timer per read, as a simulated run's schedule needs).
    var wakeIntervalNanoseconds: Int64 = 0

    /// Sends every kind's reads from `start` until the load ends.
    func run(start: SimTime, inFlight: ReadInFlight) async {
        await withTaskGroup(of: Void.self) { group in
            for kind in ReadTraffic.Kind.allCases {
                let factor = traffic.factor(kind, averagePaymentTPS: averagePaymentTPS)
                guard factor > 0 else { continue }
                group.addTask {
                    var arrivals = ArrivalProcess(
                        profile: load.scaled(by: factor),
                        random: runtime.randomStream("reads-\(kind.rawValue)"))
                    var random = runtime.randomStream("read-picks-\(kind.rawValue)")
                    var wokeNanoseconds = Int64.min / 2
                    while let offset = arrivals.next() {
                        let intended = SimTime(nanoseconds: start.nanoseconds + offset.nanoseconds)
                        if runtime.now() < intended {
                            let wake = max(intended.nanoseconds, wokeNanoseconds + wakeIntervalNanoseconds)
                            try? await runtime.sleep(until: SimTime(nanoseconds: wake))
                            wokeNanoseconds = runtime.now().nanoseconds
                        }
                        guard let entry = recent.pick(random.nextUnit()) else {
                            metrics.skipped(kind)
                            continue
                        }
                        guard inFlight.enter(Self.inFlightMax) else {
                            metrics.overInFlightBound(kind)
                            continue
                        }
                        runtime.spawn {
                            let began = runtime.now()
                            let answer = await read(kind, entry)
                            if let answer, answer.isShedByRunner {
                                metrics.shed(kind)
                            } else {
                                metrics.record(
                                    kind, status: answer?.status,
                                    nanoseconds: runtime.now().nanoseconds - began.nanoseconds)
                            }
                            inFlight.leave()
                        }
                    }
                }
            }
        }
    }

    /// One read; its last answer, or nil when none came.
    private func read(_ kind: ReadTraffic.Kind, _ entry: RecentPayments.Entry) async -> APIResponse? {
        switch kind {
        case .statusChecks:
            // The merchant is the key's: the target reads by key, the id names the payment.
            return await target.retrievePayment(entry.payment, merchant: MerchantID(0), apiKey: entry.apiKey)
        case .listQueries:
            var cursor: String?
            var last: APIResponse?
            for _ in 0..<traffic.listPagesMax {
                let page: APIResponse?
                if let wanted = traffic.listStatus {
                    page = await target.searchPayments(
                        apiKey: entry.apiKey, status: wanted, createdWithinSeconds: 60,
                        limit: traffic.listPageSize, page: cursor)
                } else {
                    page = await target.listPayments(
                        apiKey: entry.apiKey, createdWithinSeconds: 60, limit: traffic.listPageSize,
                        startingAfter: cursor)
                }
                guard let page else { return nil }
                last = page
                guard page.isSuccess, page.bodyContains("\"has_more\":true"),
                    let next = traffic.listStatus == nil
                        ? Self.lastID(in: page.body) : page.stringField("next_page")
                else { break }
                cursor = next
            }
            return last
        case .balance:
            return await target.balance(apiKey: entry.apiKey)
        case .payouts:
            return await target.listPayouts(apiKey: entry.apiKey, limit: 10)
        }
    }

    /// The last payment intent id of a list page: the cursor of the next page.
    static func lastID(in body: String) -> String? {
        guard let range = body.ranges(of: "\"id\":\"pi_").last else { return nil }
        let start = body.index(range.upperBound, offsetBy: -3)
        return String(body[start...].prefix { $0 != "\"" })
    }
}
