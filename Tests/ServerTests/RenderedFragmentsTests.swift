import Core
import Synchronization
import Testing

@testable import Server

/// A kept fragment is the text its template renders from the same value; a changed value is
/// rendered anew; no more than `countMax` are kept.
@Suite struct RenderedFragmentsTests {
    static func row(
        _ id: String, status: String = "Succeeded", description: String = "order"
    ) -> PaymentsPage.Row {
        PaymentsPage.Row(
            id: id, amount: "12.34 USD", status: status, tone: "good", card: "visa •••• 4242",
            description: description, created: "2026-12-07 00:44:39")
    }

    @Test func aKeptRowIsTheTemplatesRenderingOfTheSameValue() {
        let fragments = RenderedFragments<PaymentsPage.Row>(template: "paymentRow", countMax: 8)
        let row = Self.row("pi_1")
        let first = fragments.html(row)
        #expect(first == DashboardTemplates.render(row, "paymentRow"))
        #expect(first.contains(#"<tr data-id="pi_1">"#))
        #expect(fragments.html(row) == first)
        #expect(fragments.count == 1)
    }

    @Test func aChangedValueIsRenderedAnew() {
        let fragments = RenderedFragments<PaymentsPage.Row>(template: "paymentRow", countMax: 8)
        #expect(fragments.html(Self.row("pi_1")).contains(">Succeeded<"))
        let refunded = fragments.html(Self.row("pi_1", status: "Refunded"))
        #expect(refunded.contains(">Refunded<"))
        #expect(!refunded.contains("Succeeded"))
        #expect(fragments.count == 2)
    }

    @Test func valuesAreEscapedWhenTheFragmentIsRendered() {
        let fragments = RenderedFragments<PaymentsPage.Row>(template: "paymentRow", countMax: 8)
        let html = fragments.html(Self.row("pi_1", description: "<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>"))
    }

    @Test func theFirstKeptGoesFirstPastTheBound() {
        let fragments = RenderedFragments<PaymentsPage.Row>(template: "paymentRow", countMax: 3)
        for index in 1...5 { _ = fragments.html(Self.row("pi_\(index)")) }
        #expect(fragments.count == 3)
        // Still right after its eviction: rendered again.
        #expect(fragments.html(Self.row("pi_1")).contains(#"data-id="pi_1""#))
        #expect(fragments.count == 3)
    }

    @Test func optionListsMarkTheSelectedOne() {
        let fragments = RenderedFragments<PaymentsPage.Options>(template: "filterOptions", countMax: 8)
        let html = fragments.html(
            .init(options: [
                .init(value: "usd", label: "USD", selected: false),
                .init(value: "eur", label: "EUR", selected: true),
            ]))
        #expect(html == #"<option value="usd">USD</option><option value="eur" selected>EUR</option>"#)
    }
}

/// The overview's charts are kept by the figures they draw: one drawn again from equal figures
/// is the kept SVG; a figure changed (a payment) draws anew.
@Suite struct OverviewChartsKeptTests {
    @Test func aChartIsKeptByTheFiguresItDraws() {
        let drawn = Mutex(0)
        let charts = RenderedFragments<OverviewChart>(countMax: 8) { chart in
            drawn.withLock { $0 += 1 }
            return chart.svg
        }
        let volume = OverviewChart.volume(.usd, first: 29_000_000, minorUnits: [0, 1_250, 0])
        let svg = charts.html(volume)
        #expect(svg == volume.svg)
        #expect(svg.contains(#"data-series="USD" data-x="29000001" data-y="12.5""#))
        #expect(charts.html(.volume(.usd, first: 29_000_000, minorUnits: [0, 1_250, 0])) == svg)
        #expect(drawn.withLock { $0 } == 1)
        let later = charts.html(.volume(.usd, first: 29_000_000, minorUnits: [0, 1_250, 990]))
        #expect(later.contains(#"data-x="29000002" data-y="9.9""#))
        #expect(drawn.withLock { $0 } == 2)
    }
}
