import DequeModule
import Synchronization

/// The HTML of fragments rendered most recently (through a template, or drawn: the overview's
/// charts), keyed by the value each was rendered from, so that a list page renders through
/// Mustache only the rows and option lists it has not shown before. A payments list page spent 80% of its CPU in Mustache's dynamic look-ups
/// and escaping, 25 rows and 30 filter options a page (PERFORMANCE.md); most of a busy
/// merchant's pages show rows an earlier page showed.
///
/// Keyed by the whole value, so a kept fragment is never stale: a payment whose status,
/// amount or description changed is a new key. Bounded: `countMax` fragments at most, the
/// first kept going first.
final class RenderedFragments<Value: Hashable & Sendable>: Sendable {
    private struct State: ~Copyable {
        var html: [Value: String] = [:]
        var order = Deque<Value>()
    }

    let countMax: Int
    private let render: @Sendable (Value) -> String
    private let state = Mutex(State())

    /// Fragments of the dashboard's `template`.
    convenience init(template: String, countMax: Int) {
        self.init(countMax: countMax) { DashboardTemplates.render($0, template) }
    }

    init(countMax: Int, render: @escaping @Sendable (Value) -> String) {
        self.countMax = countMax
        self.render = render
    }

    /// `value` rendered: the kept HTML, or rendered now and kept.
    func html(_ value: Value) -> String {
        if let html = state.withLock({ $0.html[value] }) { return html }
        // Rendered outside the lock: two pages rendering the same new row both render it,
        // and both renderings are the same text.
        let html = render(value)
        state.withLock { state in
            guard state.html.updateValue(html, forKey: value) == nil else { return }
            state.order.append(value)
            if state.order.count > countMax {
                state.html[state.order.removeFirst()] = nil
            }
        }
        return html
    }

    var count: Int { state.withLock { $0.html.count } }
}
