/// Comparisons whose running time does not depend on where two secrets differ.
///
/// An early-exit `==` on a signature or a key hash tells an attacker, through timing, how many
/// leading bytes they guessed right. These helpers look at every byte whatever the inputs.
public enum ConstantTime {
    /// True if `lhs` and `rhs` hold the same bytes. The length is not secret (hex digests and
    /// SHA-256 hashes have a fixed length), so a length mismatch returns early.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
