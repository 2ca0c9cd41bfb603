import Testing

@testable import Charts

@Suite struct SVGTextTests {
    @Test func theFiveMarkupCharactersAreEscaped() {
        #expect(
            SVGText.escape(#"<a href="x">Tom & 'Jerry'</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    }

    @Test func textWithoutThemComesBackUnchanged() {
        #expect(SVGText.escape("") == "")
        #expect(SVGText.escape("12.34 USD at 10:42") == "12.34 USD at 10:42")
        #expect(SVGText.escape("Zürich ¥ 東京") == "Zürich ¥ 東京")
    }

    /// `<` followed by a combining mark is one `Character` ("≮" drawn from two scalars), which a
    /// comparison by `Character` does not take for `<`; by byte it is escaped.
    @Test func aLessThanSignThatStartsAGraphemeClusterIsEscaped() {
        #expect(SVGText.escape("<\u{338}script>") == "&lt;\u{338}script&gt;")
        #expect(SVGText.escape("é<b>") == "é&lt;b&gt;")
    }
}
