/// A problem with a scenario file, located by file, line, column and key path.
///
/// Printed as `scenarios/x.yaml:12:5: load.stages[1].over: expected a duration like '30s'`,
/// the shape compilers use, so editors can jump to it.
public struct ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The key path, e.g. `load.stages[1].over`; empty for the document itself.
    public var key: String
    public var message: String

    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): \(key.isEmpty ? "" : key + ": ")\(message)"
    }
}
