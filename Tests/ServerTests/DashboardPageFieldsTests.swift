import Mustache
import Testing

@testable import Server

/// The dashboard's pages are read by name (`MustacheParent`), not through `Mirror`: a field
/// added to a page and not to its `child(named:)` would render as nothing, silently. So every
/// stored field of each page value must be found by its name.
@Suite struct DashboardPageFieldsTests {
    /// The stored fields of `value` that `child(named:)` does not find (`except`: stored under
    /// one name and read under another).
    static func unresolved(_ value: some MustacheParent, except: Set<String> = []) -> [String] {
        Mirror(reflecting: value).children.compactMap(\.label).filter {
            !except.contains($0) && value.child(named: $0) == nil
        }
    }

    static let layout = DashboardLayout(
        title: "Overview", signedIn: true, merchant: "acct_1", csrf: "token",
        nav: [.init(label: "Overview", href: "/dashboard", current: true)], notice: "done")

    @Test func theFrameIsReadByName() {
        // `nav` is read as `navigation`, the links rendered once.
        #expect(Self.unresolved(Self.layout, except: ["nav"]).isEmpty)
        #expect(Self.layout.child(named: "navigation") as? String != nil)
        #expect(
            Self.unresolved(DashboardLayout.NavigationLink(label: "a", href: "/b", current: true)).isEmpty)
        #expect(Self.unresolved(DashboardLayout.Navigation(links: [])).isEmpty)
    }

    @Test func theOverviewIsReadByName() {
        let page = OverviewPage(
            layout: Self.layout, day: "2026-12-07",
            volumes: [.init(currency: "USD", gross: "1.00 USD", count: "1 payment", refunded: "0.00 USD")],
            authorizationRate: "100.0%", authorized: 1, declined: 0, blocked: 0, challenged: 0,
            declines: [.init(code: "card_declined", count: 1)],
            disputesOpen: [
                .init(
                    id: "du_1", paymentID: "pi_1", status: "needs_response", amount: "1.00 USD",
                    opened: "2026-12-07 00:00:00", respondBy: "2026-12-14 00:00:00", overdue: false)
            ], disputesOpenCount: 1, nextPayouts: [.init(currency: "USD", amount: "1.00 USD")],
            volumeCharts: ["<svg></svg>"], countChart: "<svg></svg>", latencyChart: "<svg></svg>")
        #expect(Self.unresolved(page).isEmpty)
        #expect(Self.unresolved(page.volumes[0]).isEmpty)
        #expect(Self.unresolved(page.declines[0]).isEmpty)
        #expect(Self.unresolved(page.disputesOpen[0]).isEmpty)
        #expect(Self.unresolved(page.nextPayouts[0]).isEmpty)
    }

    @Test func thePaymentsListIsReadByName() {
        let page = PaymentsPage(
            layout: Self.layout, q: "pi", amountMin: "1", amountMax: "2", from: "2026-12-01",
            to: "2026-12-07", last4: "4242", statusOptions: "<option>", currencyOptions: "<option>",
            brandOptions: "<option>", problems: ["bad"], rows: "<tr>", hasRows: true,
            totals: [.init(currency: "USD", amount: "1.00 USD", count: 1)], totalCount: 1,
            matchWords: "payment matches", previous: "/p", next: "/n", csvHref: "/csv")
        #expect(Self.unresolved(page).isEmpty)
        #expect(Self.unresolved(page.totals[0]).isEmpty)
        #expect(Self.unresolved(RenderedFragmentsTests.row("pi_1")).isEmpty)
        #expect(Self.unresolved(PaymentsPage.Options(options: [])).isEmpty)
        #expect(Self.unresolved(PaymentsPage.Option(value: "usd", label: "USD", selected: true)).isEmpty)
    }
}
