import Core
import Hummingbird
import Services

/// Disputes, newest first, each open one with its evidence form.
struct DisputesPage: Sendable {
    struct Row: Sendable {
        var id: String
        var paymentID: String
        var amount: String
        var reason: String
        var status: String
        var tone: String
        var opened: String
        var needsResponse: Bool
        var idempotencyKey: String
    }

    var layout: DashboardLayout
    var rows: [Row]
}

extension Dashboard {
    static let evidenceFields = ["product_description", "customer_communication", "uncategorized_text"]
    static let evidenceCharactersMax = 5_000

    func disputes(_ session: DashboardSession, _ backend: ServerBackend) -> Response {
        var rows: [DisputesPage.Row] = []
        for (id, opened) in backend.store.disputes(of: session.merchant).reversed() {
            guard let record = backend.system.paymentNow(id), let dispute = record.payment.dispute else {
                continue
            }
            let needsResponse =
                !session.readOnly
                && (dispute.status == .needsResponse || dispute.status == .warningNeedsResponse)
            rows.append(
                DisputesPage.Row(
                    id: StripeRenderer.disputeID(id), paymentID: id.description,
                    amount: Money(
                        minorUnits: dispute.amountMinorUnits, currency: record.payment.amount.currency
                    )
                    .description,
                    reason: dispute.status.isInquiry ? "general (inquiry)" : "fraudulent",
                    status: dispute.status.rawValue,
                    tone: dispute.status == .won ? "good" : dispute.status.isOpen ? "pending" : "bad",
                    opened: DashboardTime.dateTime(opened), needsResponse: needsResponse,
                    idempotencyKey: "dashboard_" + DashboardSessions.randomToken()))
        }
        let page = DisputesPage(layout: layout("Disputes", .disputes, session), rows: rows)
        return DashboardResponse.html(DashboardTemplates.render(page, "disputes"))
    }

    /// Submits the evidence through `POST /v1/disputes/:id` with `submit=true`, as the API's
    /// clients do.
    func submitEvidence(
        _ text: String, _ form: FormParameters, _ session: DashboardSession, _ backend: ServerBackend
    ) async -> Response {
        guard let id = try? StripeAPI.disputePaymentID(text),
            await backend.system.payment(id, of: session.merchant) != nil
        else { return notFound("dispute", session) }
        var parameters: [(String, String)] = []
        for field in Self.evidenceFields {
            guard let value = form.string(field), !value.isEmpty else { continue }
            parameters.append(("evidence[\(field)]", String(value.prefix(Self.evidenceCharactersMax))))
        }
        guard !parameters.isEmpty else {
            sessions.setNotice("Write some evidence before submitting it.", for: session.token)
            return DashboardResponse.redirect("/dashboard/disputes")
        }
        parameters.append(("submit", "true"))
        let outcome = await callAPI("/v1/disputes/\(text)", parameters, session, form) {
            (request) async throws(StripeError) in
            try await api.respondToDispute(request, id: text, accept: false)
        }
        switch outcome {
        case .success(let json):
            sessions.setNotice(
                "Evidence submitted for \(text): \(json["status"] as? String ?? "submitted").",
                for: session.token)
        case .failure(let error):
            sessions.setNotice("Evidence refused: \(error.message)", for: session.token)
        }
        return DashboardResponse.redirect("/dashboard/disputes")
    }
}
