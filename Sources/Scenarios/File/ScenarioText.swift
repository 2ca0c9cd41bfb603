#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The checks a scenario file's bytes pass before YAML sees them, and the positions an error
/// names: a file too large, not UTF-8 (at the line of the first bad byte), or nested too deep
/// (where Yams' recursive composer would exhaust the stack) is refused with its line and column.
enum ScenarioText {
    /// The first `bytesMax` bytes of the file at `path` (all of it when it is shorter): a
    /// hostile file of gigabytes is not read whole to be refused.
    static func read(_ path: String, bytesMax: Int) throws(ScenarioError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ScenarioError(
                file: path, line: 0, column: 0, key: "",
                message: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: bytesMax)
        var filled = 0
        while filled < bytesMax {
            let count = bytes.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                    Glibc.read(descriptor, buffer.baseAddress! + filled, bytesMax - filled)
                #else
                    Darwin.read(descriptor, buffer.baseAddress! + filled, bytesMax - filled)
                #endif
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw ScenarioError(
                    file: path, line: 0, column: 0, key: "",
                    message: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The file's bytes as text, or the error naming the first byte that is not UTF-8.
    static func decode(_ bytes: [UInt8], file: String) throws(ScenarioError) -> String {
        guard bytes.count <= ScenarioLimits.fileBytesMax else {
            throw ScenarioError(
                file: file, line: 1, column: 1, key: "",
                message: "the file is larger than \(ScenarioLimits.fileBytesMax) bytes: not a scenario")
        }
        if let bad = firstInvalidUTF8(bytes) {
            let (line, column) = position(ofByte: bad, in: bytes)
            let byte = String(bytes[bad], radix: 16, uppercase: true)
            throw ScenarioError(
                file: file, line: line, column: column, key: "",
                message: "not valid UTF-8: byte 0x\(byte.count == 1 ? "0" + byte : byte) at offset \(bad)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
    /// (overlong forms, surrogates and values past U+10FFFF included), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return index
            }
            for offset in 1..<length {
                guard index + offset < bytes.count else { return index }
                let continuation = bytes[index + offset]
                let (min, max) = offset == 1 ? (low, high) : (0x80, 0xBF)
                guard continuation >= min, continuation <= max else { return index }
            }
            index += length
        }
        return nil
    }

    /// Line and column (both from 1; the column counts characters before it on its line, as
    /// an editor does) of byte `offset`.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        // Lead bytes only: a multi-byte character is one column.
        let column = bytes[lineStart..<min(offset, bytes.count)].reduce(1) {
            $0 + ($1 & 0xC0 == 0x80 ? 0 : 1)
        }
        return (line, column)
    }

    /// A position inside `text`: libyaml reports a file that ends mid-construct on the line
    /// after its last, which an editor cannot show; that becomes the end of the last line.
    static func clamped(line: Int, column: Int, in text: String) -> (line: Int, column: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line > lines.count, let last = lines.last else { return (max(1, line), max(1, column)) }
        return (lines.count, last.count + 1)
    }

    /// Line and column of character `offset` of `text` (what Yams reports for a reader error).
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    /// Where the nesting of mappings and lists first goes deeper than `limit`, or nil.
    ///
    /// An estimate from the text alone, so that YAML is never composed past it: block nesting
    /// follows the indentation (a stack of the indents seen, as Python reads blocks) plus the
    /// `- ` items that open on one line; flow nesting counts `[` and `{` outside quotes and
    /// comments, across lines. It can only overestimate, never miss a deep file.
    static func nestingTooDeep(_ text: String, limit: Int) -> (line: Int, column: Int)? {
        var indents: [Int] = []
        var flowDepth = 0
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(rawLine.unicodeScalars)
            var column = 0
            while column < line.count, line[column] == " " { column += 1 }
            guard column < line.count, line[column] != "#", line[column] != "\r" else { continue }
            if flowDepth == 0 {
                while let last = indents.last, last >= column { indents.removeLast() }
                indents.append(column)
            }
            var depth = indents.count
            var quote: Unicode.Scalar?
            var index = column
            var atItemStart = true
            while index < line.count {
                let scalar = line[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else {
                    switch scalar {
                    case "\"", "'": quote = scalar
                    case "#" where index == 0 || line[index - 1] == " ": index = line.count
                    case "[", "{": flowDepth += 1
                    case "]", "}": flowDepth = max(0, flowDepth - 1)
                    case "-" where atItemStart && (index + 1 == line.count || line[index + 1] == " "):
                        depth += 1
                    default: break
                    }
                }
                if index < line.count {
                    atItemStart = scalar == " " || (scalar == "-" && atItemStart)
                }
                if depth + flowDepth > limit { return (lineNumber, index + 1) }
                index += 1
            }
        }
        return nil
    }

    /// Where the second `key` of a mapping stands, given where its first stands (Yams reports
    /// the first): the next line indented as the first that starts with the key and a colon,
    /// or, in a flow mapping, the key's next occurrence after a comma on the same line.
    static func duplicatePosition(
        of key: String, after first: (line: Int, column: Int), in text: String
    ) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        func startsWithKey(_ rest: Substring) -> Bool {
            spellings.contains { spelling in
                guard rest.hasPrefix(spelling) else { return false }
                return rest.dropFirst(spelling.count).drop { $0 == " " }.first == ":"
            }
        }
        // The same line (flow style): after the first occurrence, following a comma.
        let firstLine = Array(lines[first.line - 1])
        var index = min(firstLine.count, max(0, first.column - 1) + 1)
        while index < firstLine.count {
            if firstLine[index] == "," {
                let rest = Substring(String(firstLine[(index + 1)...])).drop { $0 == " " }
                if startsWithKey(rest) {
                    let column = firstLine.count - rest.count + 1
                    return (first.line, column)
                }
            }
            index += 1
        }
        for number in first.line..<lines.count {
            let line = lines[number]
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            if indent < first.column - 1, !rest.isEmpty, !rest.hasPrefix("#") { break }
            if indent == first.column - 1, startsWithKey(rest) { return (number + 1, indent + 1) }
        }
        return nil
    }
}
