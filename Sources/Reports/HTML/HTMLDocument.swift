import Charts

/// A whole report page: one self-contained HTML file. Its style is inline, it has no script,
/// and its content security policy forbids loading anything, so the file opens offline and
/// shows the same thing anywhere.
public enum HTMLDocument {
    public static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// Text as it may appear in element content or a quoted attribute.
    public static func escape(_ text: String) -> String { SVGText.escape(text) }

    /// A section with a heading and an anchor.
    static func section(id: String, title: String, _ content: String) -> String {
        "<section id=\"\(escape(id))\"><h2>\(escape(title))</h2>\(content)</section>"
    }

    /// A chart in its figure, the figure named for tests and links (`chart-ID`).
    static func figure(id: String, _ svg: String, note: String? = nil) -> String {
        "<figure class=\"chart-figure\" id=\"chart-\(escape(id))\">\(svg)"
            + (note.map { "<figcaption>\(escape($0))</figcaption>" } ?? "") + "</figure>"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:20px 24px;\
        color:#1a1f36;background:#f6f8fa;font-size:14px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #e3e8ee;\
        padding-bottom:4px}
        .meta{color:#697386;margin:2px 0}.verdict{display:inline-block;padding:3px 10px;border-radius:4px;\
        font-weight:600;margin:8px 0}
        .pass{background:#d7f7c2;color:#05690d}.fail{background:#ffe7f2;color:#b3093c}
        .warn{background:#fcedb9;color:#a82c00}
        .charts{display:flex;flex-wrap:wrap;gap:12px}.chart-figure{margin:0;background:#fff;\
        border:1px solid #e3e8ee;border-radius:6px;padding:6px}
        figcaption{color:#697386;font-size:12px;max-width:640px;padding:2px 6px}
        table{border-collapse:collapse;background:#fff;margin:4px 0 12px;font-size:13px}
        th,td{border:1px solid #e3e8ee;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f0f3f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
        pre{background:#fff;border:1px solid #e3e8ee;padding:10px;overflow:auto;font-size:12px;max-height:600px}
        code{font-size:12px}.tables{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
        """
}
