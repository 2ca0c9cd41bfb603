import Mustache

// The overview is the dashboard's landing page: read by name here, not through `Mirror`, whose
// field look-ups were a fifth of the page's CPU.

extension OverviewPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "layout": layout
        case "day": day
        case "volumes": volumes
        case "authorizationRate": authorizationRate
        case "authorized": authorized
        case "declined": declined
        case "blocked": blocked
        case "challenged": challenged
        case "declines": declines
        case "disputesOpen": disputesOpen
        case "disputesOpenCount": disputesOpenCount
        case "nextPayouts": nextPayouts
        case "volumeCharts": volumeCharts
        case "countChart": countChart
        case "latencyChart": latencyChart
        default: nil
        }
    }
}

extension OverviewPage.Volume: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "currency": currency
        case "gross": gross
        case "count": count
        case "refunded": refunded
        default: nil
        }
    }
}

extension OverviewPage.Decline: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "count": count
        default: nil
        }
    }
}

extension OverviewPage.OpenDispute: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "paymentID": paymentID
        case "status": status
        case "amount": amount
        case "opened": opened
        case "respondBy": respondBy
        case "overdue": overdue
        default: nil
        }
    }
}

extension OverviewPage.NextPayout: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "currency": currency
        case "amount": amount
        default: nil
        }
    }
}
