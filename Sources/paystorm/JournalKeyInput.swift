import Foundation
import Journal

/// Where `paystorm run` and `paystorm recover` get the journal key that seals and opens the
/// card fields: `--journal-key` (a file holding 32 raw bytes or 64 hex digits, or the 64 hex
/// digits themselves), else the `PAYSTORM_JOURNAL_KEY` environment variable (hex). A file or
/// the environment keeps the key out of `ps` listings and shell history.
enum JournalKeyInput {
    static let environmentVariable = "PAYSTORM_JOURNAL_KEY"

    static let help =
        "The key sealing the card fields in the journal (AES-256-GCM): a file holding 32 bytes or 64 hex "
        + "digits, or the hex digits. Default: $\(environmentVariable); without either, no card fields "
        + "are journaled."

    /// The key, or nil if none was given.
    /// - Throws: `JournalError.cipher` (never echoing the key) or a file read error.
    static func load(_ option: String?) throws -> [UInt8]? {
        if let option {
            if FileManager.default.fileExists(atPath: option) {
                let contents = try Data(contentsOf: URL(fileURLWithPath: option))
                do {
                    return try JournalKey.parse(fileContents: Array(contents))
                } catch {
                    throw JournalError.cipher("--journal-key file \(option): \(error)")
                }
            }
            return try JournalKey.parse(hex: option)
        }
        if let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty {
            do {
                return try JournalKey.parse(hex: text)
            } catch {
                throw JournalError.cipher("$\(environmentVariable): \(error)")
            }
        }
        return nil
    }
}
