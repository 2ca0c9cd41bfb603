import Core
import Hummingbird
import Services

/// The merchant's webhook endpoints, the latest delivery attempts to them and the deliveries
/// that were given up on.
struct WebhooksPage: Sendable {
    struct Endpoint: Sendable {
        var id: String
        var url: String
        var events: String
        var created: String
    }

    struct Attempt: Sendable {
        var time: String
        var eventID: String
        var endpoint: String
        var attempt: Int
        var result: String
        var tone: String
        var latencyMilliseconds: Int64
    }

    struct DeadLetter: Sendable {
        var eventID: String
        var type: String
        var endpoint: String
        var url: String
    }

    var layout: DashboardLayout
    var endpoints: [Endpoint]
    var attempts: [Attempt]
    var deadLetters: [DeadLetter]
}

extension Dashboard {
    static let deliveriesShownMax = 50

    func webhooks(_ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let endpoints = backend.store.endpoints(of: session.merchant)
        // The sender serves every merchant: only deliveries to this merchant's endpoints show.
        let own = Set(endpoints.map(\.id))
        let page = WebhooksPage(
            layout: layout("Webhooks", .webhooks, session),
            endpoints: endpoints.map {
                .init(
                    id: $0.id, url: $0.url, events: $0.enabledEvents.joined(separator: ", "),
                    created: DashboardTime.dateTime($0.createdUnixSeconds))
            },
            attempts: sender.recentAttempts.reversed().filter { own.contains($0.endpointID) }
                .prefix(Self.deliveriesShownMax).map { attempt in
                    let ok = attempt.status.map { (200..<300).contains($0) } ?? false
                    return .init(
                        time: DashboardTime.dateTime(attempt.unixSeconds), eventID: attempt.eventID,
                        endpoint: attempt.endpointID, attempt: attempt.attempt,
                        result: attempt.status.map { "HTTP \($0)" } ?? "no answer", tone: ok ? "good" : "bad",
                        latencyMilliseconds: attempt.latencyMilliseconds)
                },
            deadLetters: sender.deadLetters.reversed().filter { own.contains($0.endpointID) }
                .prefix(Self.deliveriesShownMax).map {
                    .init(eventID: $0.eventID, type: $0.eventType, endpoint: $0.endpointID, url: $0.url)
                })
        return DashboardResponse.html(DashboardTemplates.render(page, "webhooks"))
    }

    /// Sends a dead letter again, with a fresh round of attempts, if it went to one of the
    /// merchant's endpoints; it leaves the list, and comes back if every attempt fails again.
    func resend(_ form: FormParameters, _ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let eventID = form.string("event") ?? ""
        let endpointID = form.string("endpoint") ?? ""
        guard backend.store.endpoints(of: session.merchant).contains(where: { $0.id == endpointID }),
            let delivery = sender.takeDeadLetter(eventID: eventID, endpointID: endpointID)
        else { return notFound("dead letter", session) }
        sender.send(delivery)
        sessions.setNotice("Resent \(eventID) to \(endpointID).", for: session.token)
        return DashboardResponse.redirect("/dashboard/webhooks")
    }
}
