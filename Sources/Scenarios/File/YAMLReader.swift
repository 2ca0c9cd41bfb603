import Core
import Yams

/// Walks a Yams node tree with a key path and turns every problem into a `ScenarioError` that
/// names the file, the line and the key.
///
/// Decoding by hand rather than through `Codable` is deliberate: `DecodingError` knows the coding
/// path but not the line, and an engineer fixing a scenario at 3 a.m. needs the line.
struct YAMLReader {
    let file: String
    let node: Node
    let path: String

    init(file: String, node: Node, path: String = "") {
        self.file = file
        self.node = node
        self.path = path
    }

    /// Parses YAML text into a reader on its root node.
    static func parse(_ text: String, file: String) throws(ScenarioError) -> YAMLReader {
        guard text.utf8.count <= ScenarioLimits.fileBytesMax else {
            throw ScenarioError(
                file: file, line: 1, column: 1, key: "",
                message: "the file is larger than \(ScenarioLimits.fileBytesMax) bytes: not a scenario")
        }
        if let (line, column) = ScenarioText.nestingTooDeep(text, limit: ScenarioLimits.nestingDepthMax) {
            throw ScenarioError(
                file: file, line: line, column: column, key: "",
                message: "nested deeper than \(ScenarioLimits.nestingDepthMax) levels: not a scenario")
        }
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw ScenarioError(file: file, line: 1, column: 1, key: "", message: "the file is empty")
            }
            return YAMLReader(file: file, node: root)
        } catch let error as ScenarioError {
            throw error
        } catch let error as YamlError {
            throw Self.locate(error, file: file, text: text)
        } catch {
            throw ScenarioError(file: file, line: 1, column: 1, key: "", message: "not valid YAML: \(error)")
        }
    }

    private static func locate(_ error: YamlError, file: String, text: String) -> ScenarioError {
        switch error {
        case .reader(let problem, let offset, let value, _):
            // A character YAML does not allow (a control character, a NUL), at its own place.
            let (line, column) = offset.map { ScenarioText.position(ofCharacter: $0, in: text) } ?? (1, 1)
            let character = value >= 0 ? " (U+\(String(value, radix: 16, uppercase: true)))" : ""
            return ScenarioError(
                file: file, line: line, column: column, key: "",
                message: "not valid YAML: \(problem)\(character)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams points at the first of the keys; the mistake is the second one.
            let key = duplicates.first ?? ""
            let first = (context.mark.line, context.mark.column)
            let (line, column) = ScenarioText.duplicatePosition(of: key, after: first, in: text) ?? first
            return ScenarioError(
                file: file, line: line, column: column, key: key,
                message: "duplicate key '\(Self.clipped(key))' (first at line \(first.0))")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            let (line, column) = ScenarioText.clamped(line: mark.line, column: mark.column, in: text)
            return ScenarioError(
                file: file, line: line, column: column, key: "", message: "not valid YAML: \(problem)")
        default:
            return ScenarioError(
                file: file, line: 1, column: 1, key: "", message: "not valid YAML: \(error)")
        }
    }

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func error(_ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, column: column, key: path, message: message)
    }

    private func child(_ node: Node, key: String) -> YAMLReader {
        YAMLReader(file: file, node: node, path: path.isEmpty ? key : "\(path).\(key)")
    }

    // MARK: Mappings

    /// The mapping's entries, after checking that every key is one of `allowed`.
    func mapping(allowed: Set<String>) throws(ScenarioError) -> Mapping {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys (\(allowed.sorted().joined(separator: ", ")))")
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else {
                throw child(keyNode, key: "?").error("keys must be strings")
            }
            let keyReader = child(keyNode, key: key)
            guard allowed.contains(key) else {
                let hint = Self.closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw keyReader.error(
                    "unknown key '\(Self.clipped(key))'\(hint); allowed here: "
                        + allowed.sorted().joined(separator: ", "))
            }
            if entries[key] != nil { throw keyReader.error("duplicate key '\(key)'") }
            entries[key] = (keyNode, valueNode)
        }
        return Mapping(reader: self, entries: entries)
    }

    /// A mapping whose keys are free (currency codes, network names); values are readers.
    func freeMapping() throws(ScenarioError) -> [(key: String, value: YAMLReader)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        var result: [(String, YAMLReader)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error("keys must be strings") }
            if !seen.insert(key).inserted { throw child(keyNode, key: key).error("duplicate key '\(key)'") }
            result.append((key, child(valueNode, key: key)))
        }
        return result
    }

    func sequence() throws(ScenarioError) -> [YAMLReader] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, element in
            YAMLReader(file: file, node: element, path: "\(path)[\(index)]")
        }
    }

    struct Mapping {
        let reader: YAMLReader
        let entries: [String: (key: Node, value: Node)]

        func has(_ key: String) -> Bool { entries[key] != nil }

        func optional(_ key: String) -> YAMLReader? {
            entries[key].map { reader.child($0.value, key: key) }
        }

        func required(_ key: String) throws(ScenarioError) -> YAMLReader {
            guard let value = optional(key) else { throw reader.error("missing required key '\(key)'") }
            return value
        }
    }

    // MARK: Scalars

    var scalarText: String? {
        guard case .scalar(let scalar) = node else { return nil }
        return scalar.string
    }

    func string() throws(ScenarioError) -> String {
        guard let text = scalarText else { throw error("expected a text value") }
        return text
    }

    func int(in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        guard let text = scalarText, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a whole number, got \(describe())")
        }
        guard range.contains(value) else {
            throw error("\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func uint64() throws(ScenarioError) -> UInt64 {
        guard let text = scalarText, let value = UInt64(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a non-negative whole number, got \(describe())")
        }
        return value
    }

    func double(in range: ClosedRange<Double>) throws(ScenarioError) -> Double {
        guard let text = scalarText, let value = Double(text.replacingOccurrences(of: "_", with: "")),
            value.isFinite
        else {
            throw error("expected a number, got \(describe())")
        }
        guard range.contains(value) else {
            throw error("\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A probability or share in [0, 1].
    func fraction() throws(ScenarioError) -> Double { try double(in: 0...1) }

    func bool() throws(ScenarioError) -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got \(describe())")
        }
    }

    /// "500ms", "30s", "10m", "1h30m", "2d": a positive duration.
    func duration() throws(ScenarioError) -> Duration {
        guard let text = scalarText, let duration = DurationText.parse(text) else {
            throw error("expected a duration like '500ms', '30s', '10m', '1h30m' or '2d', got \(describe())")
        }
        guard duration <= ScenarioLimits.durationMax else {
            throw error(
                "\(DurationText.format(duration)) is longer than a scenario may write "
                    + "(at most \(DurationText.format(ScenarioLimits.durationMax)))")
        }
        return duration
    }

    /// An amount in major units of `currency` ("12.34"), as Money; never through Double.
    /// Positive and at most `ScenarioLimits.amountMinorUnitsMax` minor units.
    func money(_ currency: Currency) throws(ScenarioError) -> Money {
        guard let text = scalarText else {
            throw error("expected an amount like \"12.34\", got \(describe())")
        }
        // No amount within the limits takes more characters than this; a longer text is not
        // one, and its error should not quote it whole.
        guard text.count <= 40 else { throw error("expected an amount like \"12.34\", got \(describe())") }
        let money: Money
        do {
            money = try Money(parsing: text, currency: currency)
        } catch {
            throw self.error(error.description)
        }
        let largest = Money(minorUnits: ScenarioLimits.amountMinorUnitsMax, currency: currency)
        guard money.isPositive, money <= largest else {
            throw self.error(
                "\(Self.clipped(text)) \(currency.code) is out of range: an amount is positive and at most "
                    + "\(largest.decimalString) \(currency.code) (Stripe's eight digits)")
        }
        return money
    }

    func describe() -> String {
        switch node {
        case .scalar(let scalar): "'\(Self.clipped(scalar.string))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Text from the file as an error quotes it: at most 60 characters, so that a hostile
    /// megabyte-long value does not become a megabyte-long message.
    static func clipped(_ text: String) -> String {
        text.count <= 60 ? text : text.prefix(57) + "..."
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be a typo.
    static func closest(_ key: String, in allowed: Set<String>) -> String? {
        // Nothing 64 characters long is a typo of a key (and the distance costs length squared).
        guard key.count <= 64 else { return nil }
        let limit = max(2, key.count / 3)
        var best: (name: String, distance: Int)?
        for name in allowed.sorted() {
            let distance = editDistance(key, name)
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (name, distance) }
        }
        return best?.name
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
