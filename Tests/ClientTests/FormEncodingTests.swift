import Testing

@testable import Client

@Suite struct FormEncodingTests {
    @Test func bracketsSpacesAndReservedBytesArePercentEncoded() {
        let body = FormEncoding.encode([
            ("payment_method_data[card][number]", "4242 4242"), ("metadata[note]", "a&b=c/é"),
            ("amount", "100"),
        ])
        #expect(
            body
                == "payment_method_data%5Bcard%5D%5Bnumber%5D=4242%204242&metadata%5Bnote%5D=a%26b%3Dc%2F%C3%A9"
                + "&amount=100")
    }
}
