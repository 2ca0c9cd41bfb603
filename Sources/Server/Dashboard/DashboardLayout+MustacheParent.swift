import Mustache

// Every page renders its frame: read by name here, not through `Mirror` (a type's fields
// resolved per value, 8% of a payments list page's CPU).

extension DashboardLayout: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "signedIn": signedIn
        case "merchant": merchant
        case "csrf": csrf
        case "navigation": navigation
        case "notice": notice
        case "readOnly": readOnly
        default: nil
        }
    }
}

extension DashboardLayout.Navigation: MustacheParent {
    func child(named name: String) -> Any? {
        name == "links" ? links : nil
    }
}

extension DashboardLayout.NavigationLink: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "current": current
        default: nil
        }
    }
}
