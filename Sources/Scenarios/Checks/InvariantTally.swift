/// What was found per invariant: how many violations and the first few of them, and which
/// invariants a report lists even when they hold.
struct InvariantTally: Sendable {
    /// Examples kept per invariant: enough to find the payments involved, bounded however many
    /// violations a broken run finds.
    static let examplesMax = 5

    private struct Entry: Sendable {
        var count = 0
        var examples: [String] = []
        var listed = false
    }

    private var entries: [Invariant: Entry] = [:]

    /// One violation.
    mutating func add(_ invariant: Invariant, _ example: String) {
        entries[invariant, default: Entry()].count += 1
        if entries[invariant]!.examples.count < Self.examplesMax {
            entries[invariant]!.examples.append(example)
        }
    }

    /// `count` violations, of which `examples` name some (the first are kept).
    mutating func add(_ invariant: Invariant, examples: [String], count: Int) {
        var entry = entries[invariant, default: Entry()]
        entry.count += count
        entry.examples += examples.prefix(max(0, Self.examplesMax - entry.examples.count))
        entries[invariant] = entry
    }

    /// Lists `invariant` in the report even if nothing violates it: a clean run shows it held.
    mutating func list(_ invariant: Invariant) {
        entries[invariant, default: Entry()].listed = true
    }

    /// How many violations of `invariant` were found.
    func count(of invariant: Invariant) -> Int { entries[invariant]?.count ?? 0 }

    /// Violations of every invariant together.
    var total: Int { entries.values.reduce(0) { $0 + $1.count } }

    /// The first violations of `invariant`.
    func examples(of invariant: Invariant) -> [String] { entries[invariant]?.examples ?? [] }

    /// Every invariant violated or listed, in `Invariant.allCases` order.
    var results: [RunReport.InvariantResult] {
        Invariant.allCases.compactMap { invariant in
            guard let entry = entries[invariant], entry.listed || entry.count > 0 else { return nil }
            return RunReport.InvariantResult(invariant, violations: entry.count, examples: entry.examples)
        }
    }
}
