/// A table of text cells, escaped; numbers right-aligned.
struct HTMLTable {
    struct Cell {
        var text: String
        /// `num` (right-aligned), `pass`, `fail`...
        var cssClass: String?
        /// Already HTML (a code element); nil: `text`, escaped.
        var html: String?

        init(_ text: String, cssClass: String? = nil) {
            self.text = text
            self.cssClass = cssClass
        }

        static func number(_ text: String) -> Cell { Cell(text, cssClass: "num") }

        static func code(_ text: String) -> Cell {
            var cell = Cell(text)
            cell.html = "<code>\(HTMLDocument.escape(text))</code>"
            return cell
        }
    }

    var id: String
    var headers: [String]
    var rows: [[Cell]]

    var html: String {
        var out = "<table id=\"\(HTMLDocument.escape(id))\"><thead><tr>"
        out += headers.map { "<th>\(HTMLDocument.escape($0))</th>" }.joined()
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for cell in row {
                let cssClass = cell.cssClass.map { " class=\"\(HTMLDocument.escape($0))\"" } ?? ""
                out += "<td\(cssClass)>\(cell.html ?? HTMLDocument.escape(cell.text))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }
}
