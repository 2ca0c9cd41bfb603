import Testing

@testable import Server

@Suite struct FormParametersTests {
    @Test func bracketNotationReadsHashesAndLists() throws {
        let form = try FormParameters(
            encoded: "metadata%5Border%5D=42&metadata[note]=a+b&expand[0]=x&expand[1]=y&types[]=z&amount=5")
        #expect(try form.hash("metadata") == ["order": "42", "note": "a b"])
        #expect(form.list("expand") == ["x", "y"])
        #expect(form.list("types") == ["z"])
        #expect(try form.integer("amount") == 5)
        #expect(form.roots == ["metadata", "expand", "types", "amount"])
    }

    @Test func anEmptyMetadataClearsIt() throws {
        #expect(try FormParameters(encoded: "metadata=").hash("metadata") == [:])
        #expect(try FormParameters(encoded: "other=1").hash("metadata") == nil)
    }

    @Test func piecesSplitOnAmpersandsAndTheFirstEquals() throws {
        let form = try FormParameters(encoded: "&&a=b=c&flag&&e=&caf%C3%A9=th%C3%A9&n=%26%3D&")
        #expect(form.pairs.map(\.name) == ["a", "flag", "e", "café", "n"])
        #expect(form.pairs.map(\.value) == ["b=c", "", "", "thé", "&="])
        #expect(try FormParameters(encoded: "").pairs.isEmpty)
        #expect(try FormParameters(encoded: "&").pairs.isEmpty)
        let many = (0..<FormParameters.pairsMax).map { "p\($0)=1" }.joined(separator: "&")
        #expect(try FormParameters(encoded: Substring(many)).pairs.count == FormParameters.pairsMax)
        #expect(throws: StripeError.self) { try FormParameters(encoded: Substring(many + "&one=more")) }
    }

    @Test func malformedEncodingIsRefused() {
        for text in ["%zz=1", "a[b=1", "a]=1", "[a]=1", "a[b][[c]]=1"] {
            #expect(throws: StripeError.self, "\(text)") { try FormParameters(encoded: Substring(text)) }
        }
    }
}

@Suite struct FormDecodingTests {
    @Test func percentAndPlusDecodeToUTF8() throws {
        let cases: [(Substring, String)] = [
            ("plain", "plain"), ("a+b", "a b"), ("a%2Bb", "a+b"), ("%5Bx%5d", "[x]"),
            ("caf%C3%A9", "café"), ("%F0%9F%98%80", "😀"), ("", ""), ("100%25", "100%"),
        ]
        for (text, expected) in cases {
            #expect(FormParameters.decode(text) == expected, "\(text)")
        }
    }

    @Test func brokenEncodingIsNil() {
        for text: Substring in ["%", "%4", "%zz", "a%g1", "%C3", "%FF%FE"] {
            #expect(FormParameters.decode(text) == nil, "\(text)")
        }
    }
}
