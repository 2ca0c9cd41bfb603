import Server
import Testing

@Suite struct JSONTests {
    @Test func objectsKeepTheirOrderAndPrintNulls() {
        let json: JSON = .object([
            ("id", "pi_1"), ("object", "payment_intent"), ("amount", 2_000), ("livemode", false),
            ("customer", nil), ("payment_method_types", .array(["card", "link"])), ("empty", .object([])),
            ("none", .array([])), ("flag", true),
        ])
        #expect(
            json.serialized
                == #"{"id":"pi_1","object":"payment_intent","amount":2000,"livemode":false,"customer":null,"#
                + #""payment_method_types":["card","link"],"empty":{},"none":[],"flag":true}"#)
    }

    @Test(arguments: [
        (Int64(0), "0"), (7, "7"), (-7, "-7"), (1_796_522_884, "1796522884"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ])
    func integersPrintInDecimal(value: Int64, text: String) {
        #expect(JSON.integer(value).serialized == text)
    }

    @Test func stringsAreEscapedAsRFC8259AsksAndSafeInAPage() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("a\"b\\c", #""a\"b\\c""#),
            ("line\nfeed\rret\ttab", #""line\nfeed\rret\ttab""#),
            ("</script><b>&amp;", #""\u003c/script\u003e\u003cb\u003e\u0026amp;""#),
            ("\u{01}\u{08}\u{0C}\u{1F}", #""\u0001\u0008\u000c\u001f""#),
            ("café ✓ 😀", "\"café ✓ 😀\""),
            ("\u{7F}", "\"\u{7F}\""),
            ("", #""""#),
        ]
        for (value, expected) in cases {
            #expect(JSON.string(value).serialized == expected, "\(value.debugDescription)")
            #expect(JSON.string(value).serializedBytes == Array(expected.utf8))
        }
    }

    @Test func keysAreEscapedLikeValues() {
        let json: JSON = .object([("a\"<", .string("x"))])
        #expect(json.serialized == #"{"a\"\u003c":"x"}"#)
    }
}
