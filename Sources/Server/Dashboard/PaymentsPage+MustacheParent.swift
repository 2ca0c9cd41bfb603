import Mustache

// The payments list renders 25 rows and about 30 filter options a page: read by name here,
// not through `Mirror`, whose field look-ups (type names resolved per value) were most of a
// list page's CPU once the store's indexes made the selection cheap.

extension PaymentsPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "layout": layout
        case "q": q
        case "amountMin": amountMin
        case "amountMax": amountMax
        case "from": from
        case "to": to
        case "last4": last4
        case "statusOptions": statusOptions
        case "currencyOptions": currencyOptions
        case "brandOptions": brandOptions
        case "problems": problems
        case "rows": rows
        case "hasRows": hasRows
        case "totals": totals
        case "totalCount": totalCount
        case "matchWords": matchWords
        case "previous": previous
        case "next": next
        case "csvHref": csvHref
        default: nil
        }
    }
}

extension PaymentsPage.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "amount": amount
        case "status": status
        case "tone": tone
        case "card": card
        case "description": description
        case "created": created
        default: nil
        }
    }
}

extension PaymentsPage.Options: MustacheParent {
    func child(named name: String) -> Any? {
        name == "options" ? options : nil
    }
}

extension PaymentsPage.Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

extension PaymentsPage.Total: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "currency": currency
        case "amount": amount
        case "count": count
        default: nil
        }
    }
}
