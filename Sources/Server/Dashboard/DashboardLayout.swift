/// What every page's frame shows: the title, the navigation with the current section, the
/// signed-in merchant, the session's form token (for sign-out and every action) and a notice
/// left by the last action.
struct DashboardLayout: Sendable {
    struct NavigationLink: Hashable, Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    /// The navigation's links, rendered as one fragment: a page has one of seven.
    struct Navigation: Hashable, Sendable {
        var links: [NavigationLink]
    }

    static let navigations = RenderedFragments<Navigation>(template: "navigation", countMax: 16)

    enum Section: String, CaseIterable, Sendable {
        case overview = "Overview"
        case payments = "Payments"
        case disputes = "Disputes"
        case balance = "Balance"
        case webhooks = "Webhooks"
        case apiKeys = "API keys"

        var href: String {
            switch self {
            case .overview: "/dashboard"
            case .payments: "/dashboard/payments"
            case .disputes: "/dashboard/disputes"
            case .balance: "/dashboard/balance"
            case .webhooks: "/dashboard/webhooks"
            case .apiKeys: "/dashboard/api-keys"
            }
        }
    }

    var title: String
    var signedIn: Bool
    var merchant: String
    var csrf: String
    var nav: [NavigationLink]
    /// `nav` as HTML, from `navigations`.
    var navigation: String { Self.navigations.html(Navigation(links: nav)) }
    var notice: String?
    /// Signed in with a restricted read key.
    var readOnly = false

    /// The frame of a signed-out page (sign-in, an error before sign-in).
    static func signedOut(title: String) -> DashboardLayout {
        DashboardLayout(title: title, signedIn: false, merchant: "", csrf: "", nav: [], notice: nil)
    }

    init(
        title: String, signedIn: Bool, merchant: String, csrf: String, nav: [NavigationLink], notice: String?
    ) {
        self.title = title
        self.signedIn = signedIn
        self.merchant = merchant
        self.csrf = csrf
        self.nav = nav
        self.notice = notice
    }

    init(title: String, section: Section?, session: DashboardSession, notice: String?) {
        self.init(
            title: title, signedIn: true, merchant: session.merchant.description, csrf: session.csrfToken,
            nav: Section.allCases.map {
                NavigationLink(label: $0.rawValue, href: $0.href, current: $0 == section)
            },
            notice: notice)
        readOnly = session.readOnly
    }
}
