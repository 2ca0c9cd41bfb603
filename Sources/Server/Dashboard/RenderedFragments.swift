import DequeModule
import Synchronization

/// The HTML of template fragments rendered most recently, keyed by the value each was rendered
/// from, so that a list page renders through Mustache only the rows and option lists it has
/// not shown before. A payments list page spent 80% of its CPU in Mustache's dynamic look-ups
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

    let template: String
    let countMax: Int
    private let state = Mutex(State())

    init(template: String, countMax: Int) {
        self.template = template
        self.countMax = countMax
    }

    /// `value` rendered through `template`: the kept HTML, or rendered now and kept.
    func html(_ value: Value) -> String {
        if let html = state.withLock({ $0.html[value] }) { return html }
        // Rendered outside the lock: two pages rendering the same new row both render it,
        // and both renderings are the same text.
        let html = DashboardTemplates.render(value, template)
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
