import Testing

@testable import Journal

@Suite struct FieldCipherTests {
    static let key = (0..<32).map { UInt8($0) }

    @Test func sealsAndOpens() throws {
        let cipher = try FieldCipher(key: Self.key, domain: 7)
        let field = Array("tok_visa_4242|12/29".utf8)
        let sealed = try cipher.seal(field, authenticating: [1, 2])
        #expect(sealed.count == field.count + FieldCipher.overheadBytes)
        #expect(!sealed.windows(ofCount: 4).contains(Array("visa".utf8)[...]))
        #expect(try cipher.open(sealed, authenticating: [1, 2]) == field)
    }

    @Test func noncesAreDeterministicAndNeverRepeat() throws {
        let cipher = try FieldCipher(key: Self.key, domain: 3, counterStart: 10)
        let first = try cipher.seal([1])
        let second = try cipher.seal([1])
        #expect(first != second)
        #expect(FieldCipher.nonce(of: first)! == (3, 10))
        #expect(FieldCipher.nonce(of: second)! == (3, 11))
        #expect(cipher.nextCounter == 12)
        // Same key, domain and counter: the same bytes (reproducible runs).
        let again = try FieldCipher(key: Self.key, domain: 3, counterStart: 10)
        #expect(try again.seal([1]) == first)
    }

    @Test func wrongKeyContextOrTamperingFails() throws {
        let cipher = try FieldCipher(key: Self.key)
        let sealed = try cipher.seal(Array("tok_1".utf8), authenticating: [9])
        let other = try FieldCipher(key: [UInt8](repeating: 1, count: 32))
        #expect(throws: JournalError.self) { _ = try other.open(sealed, authenticating: [9]) }
        #expect(throws: JournalError.self) { _ = try cipher.open(sealed, authenticating: [8]) }
        var tampered = sealed
        tampered[tampered.count - 20] ^= 1
        #expect(throws: JournalError.self) { _ = try cipher.open(tampered, authenticating: [9]) }
        #expect(throws: JournalError.self) { _ = try cipher.open([1, 2, 3]) }
    }

    @Test func keyMustBe32Bytes() {
        #expect(throws: JournalError.self) { _ = try FieldCipher(key: [1, 2, 3]) }
    }

    @Test(arguments: [
        "4242424242424242", "4111 1111 1111 1111", "card=5555-5555-5555-4444;", "378282246310005",
    ])
    func refusesCardNumbers(text: String) throws {
        let cipher = try FieldCipher(key: Self.key)
        #expect(throws: JournalError.panRejected) { _ = try cipher.seal(Array(text.utf8)) }
    }

    @Test(arguments: ["tok_4242", "4242", "12/29", "4242424242424241", "pm_0000000000002a"])
    func acceptsTokensAndFragments(text: String) throws {
        let cipher = try FieldCipher(key: Self.key)
        #expect(try cipher.open(try cipher.seal(Array(text.utf8))) == Array(text.utf8))
    }
}

extension Array where Element == UInt8 {
    fileprivate func windows(ofCount count: Int) -> [ArraySlice<UInt8>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<$0 + count] }
    }
}
