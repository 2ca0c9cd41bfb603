import Core
import Foundation
import Hummingbird
import Services

/// What a payment's page can do to it.
enum PaymentAction: String, CaseIterable, Sendable {
    case refund
    case capture
    case cancel
}

extension Dashboard {
    /// Idempotency keys from a form are kept to the API's limit and to printable ASCII.
    static func idempotencyKey(_ form: FormParameters) -> String? {
        guard let key = form.string("idempotency_key"), !key.isEmpty, key.utf8.count <= 255,
            key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else { return nil }
        return key
    }

    /// Calls an API handler as the session's merchant and returns its JSON answer, or the
    /// error message a person should read.
    func callAPI(
        _ path: String, _ parameters: [(String, String)], _ session: DashboardSession, _ form: FormParameters,
        _ handler: (APIRequest) async throws(StripeError) -> APIAnswer
    ) async -> Result<[String: Any], DashboardActionError> {
        do throws(StripeError) {
            let request = try APIRequest(
                dashboardPost: path, parameters: parameters, apiKey: session.apiKey,
                idempotencyKey: Self.idempotencyKey(form))
            let answer = try await handler(request)
            let json =
                (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any] ?? [:]
            guard (200..<300).contains(answer.status) else {
                let error = json["error"] as? [String: Any]
                return .failure(
                    DashboardActionError(message: error?["message"] as? String ?? "HTTP \(answer.status)"))
            }
            return .success(json)
        } catch {
            return .failure(DashboardActionError(message: error.message))
        }
    }

    func perform(
        _ action: PaymentAction, on text: String, _ form: FormParameters, _ session: DashboardSession,
        _ backend: ServerBackend
    ) async -> Response {
        guard let record = await Self.ownPayment(text, session.merchant, backend) else {
            return notFound("payment", session)
        }
        let id = record.id.description
        let currency = record.payment.amount.currency
        var amountPairs: [(String, String)] = []
        if let text = form.string("amount")?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let money = try? Money(parsing: text, currency: currency), money.minorUnits > 0 else {
                sessions.setNotice(
                    "\(text.prefix(32)) is not an amount in \(currency.code).", for: session.token)
                return DashboardResponse.redirect("/dashboard/payments/\(id)")
            }
            amountPairs = [(action == .refund ? "amount" : "amount_to_capture", String(money.minorUnits))]
        }
        let outcome: Result<[String: Any], DashboardActionError>
        let done: String
        switch action {
        case .refund:
            outcome = await callAPI("/v1/refunds", [("payment_intent", id)] + amountPairs, session, form) {
                (request) async throws(StripeError) in try await api.createRefund(request)
            }
            done = "Refunded"
        case .capture:
            outcome = await callAPI("/v1/payment_intents/\(id)/capture", amountPairs, session, form) {
                (request) async throws(StripeError) in try await api.capturePaymentIntent(request, id: id)
            }
            done = "Captured"
        case .cancel:
            outcome = await callAPI("/v1/payment_intents/\(id)/cancel", [], session, form) {
                (request) async throws(StripeError) in try await api.cancelPaymentIntent(request, id: id)
            }
            done = "Canceled"
        }
        switch outcome {
        case .success(let json):
            var notice = done
            if action == .refund, let amount = json["amount"] as? Int64 {
                notice +=
                    " \(Money(minorUnits: amount, currency: currency)) (\(json["id"] as? String ?? "refund"))"
            } else if action == .refund, let amount = json["amount"] as? Int {
                notice +=
                    " \(Money(minorUnits: Int64(amount), currency: currency)) (\(json["id"] as? String ?? "refund"))"
            }
            sessions.setNotice(notice + ".", for: session.token)
        case .failure(let error):
            sessions.setNotice("\(action.rawValue.capitalized) refused: \(error.message)", for: session.token)
        }
        return DashboardResponse.redirect("/dashboard/payments/\(id)")
    }
}

/// Why an action from the dashboard was refused, in the API's words.
struct DashboardActionError: Error, Sendable {
    var message: String
}
