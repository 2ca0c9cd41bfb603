import Mustache

/// The dashboard's Mustache templates, compiled into the binary: every page fills the
/// `layout` parent's `content` block. `{{value}}` escapes HTML (quotes included, so values are
/// safe inside quoted attributes); the only unescaped insertions (`{{{...}}}`) are SVG charts,
/// which the chart module builds with every text in them escaped, and fragments these
/// templates rendered (`RenderedFragments`), which escaped their values then.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                // The templates are constants of this file: a test renders each one.
                fatalError("dashboard template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ page: Any, _ name: String) -> String {
        guard let html = library.render(page, withTemplate: name) else {
            fatalError("no dashboard template named \(name)")
        }
        return html
    }

    static let templates: [(String, String)] = [
        ("layout", layout), ("signin", signIn), ("overview", overview), ("payments", payments),
        ("navigation", navigation), ("paymentRow", paymentRow), ("filterOptions", filterOptions),
        ("payment", payment), ("disputes", disputes), ("webhooks", webhooks), ("problem", problem),
        ("balance", balance), ("apikeys", apiKeys),
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{layout.title}} · Paystorm</title>
        <link rel="stylesheet" href="/dashboard/style.css">
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/dashboard">Paystorm</a>
        {{#layout.signedIn}}
        <nav>{{{layout.navigation}}}</nav>
        <span class="merchant" id="merchant">{{layout.merchant}}</span>{{#layout.readOnly}} <span class="badge pending" id="read-only">read only</span>{{/layout.readOnly}}
        <form method="post" action="/dashboard/sign-out" class="sign-out">
        <input type="hidden" name="csrf" value="{{layout.csrf}}">
        <button type="submit" id="sign-out">Sign out</button>
        </form>
        {{/layout.signedIn}}
        </header>
        <main>
        {{#layout.notice}}<p class="notice" role="status" id="notice">{{layout.notice}}</p>{{/layout.notice}}
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{<layout}}{{$content}}
        <section class="card narrow">
        <h1>Sign in</h1>
        <p class="muted">Use one of your secret keys (<code>sk_test_…</code>), or a restricted key (<code>rk_test_…</code>) to look without changing anything. The session lasts an hour.</p>
        {{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
        <form method="post" action="/dashboard/sign-in" id="sign-in">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>API key <input type="password" name="key" id="key" autocomplete="off" required></label>
        <button type="submit" class="primary">Sign in</button>
        </form>
        </section>
        {{/content}}{{/layout}}
        """

    static let overview = """
        {{<layout}}{{$content}}
        <h1>Today <span class="muted">{{day}} (UTC)</span></h1>
        <section class="tiles">
        {{#volumes}}
        <div class="tile volume" data-currency="{{currency}}"><div class="label">Gross volume {{currency}}</div>
        <div class="figure">{{gross}}</div><div class="muted">{{count}} · {{refunded}} refunded</div></div>
        {{/volumes}}
        {{^volumes}}<div class="tile"><div class="label">Gross volume</div><div class="figure">—</div><div class="muted">No payments today</div></div>{{/volumes}}
        <div class="tile"><div class="label">Authorization rate</div><div class="figure" id="authorization-rate">{{authorizationRate}}</div>
        <div class="muted">{{authorized}} authorized · {{declined}} declined</div></div>
        <div class="tile"><div class="label">Fraud</div><div class="figure">{{blocked}}</div>
        <div class="muted">blocked as fraudulent · {{challenged}} challenged (3-D Secure)</div></div>
        <div class="tile"><div class="label">Disputes open</div><div class="figure" id="disputes-open">{{disputesOpenCount}}</div>
        <div class="muted"><a href="/dashboard/disputes">Respond</a></div></div>
        </section>
        <section class="charts">
        {{#volumeCharts}}<figure class="volume-chart">{{{.}}}</figure>{{/volumeCharts}}
        <figure id="count-chart">{{{countChart}}}</figure>
        <figure id="latency-chart">{{{latencyChart}}}</figure>
        </section>
        <section class="columns">
        <div class="card"><h2>Declines by code</h2>
        <table id="declines"><thead><tr><th>Decline code</th><th class="number">Payments</th></tr></thead><tbody>
        {{#declines}}<tr><td><code>{{code}}</code></td><td class="number">{{count}}</td></tr>{{/declines}}
        {{^declines}}<tr><td colspan="2" class="muted">No declines today</td></tr>{{/declines}}
        </tbody></table></div>
        <div class="card"><h2>Open disputes</h2>
        <table id="open-disputes"><thead><tr><th>Dispute</th><th>Status</th><th class="number">Amount</th><th>Opened</th><th>Respond by (UTC)</th></tr></thead><tbody>
        {{#disputesOpen}}<tr data-id="{{id}}"><td><a href="/dashboard/payments/{{paymentID}}">{{id}}</a></td><td><span class="badge bad">{{status}}</span></td><td class="number">{{amount}}</td><td>{{opened}}</td><td class="deadline{{#overdue}} error-text{{/overdue}}">{{respondBy}}</td></tr>{{/disputesOpen}}
        {{^disputesOpen}}<tr><td colspan="5" class="muted">None</td></tr>{{/disputesOpen}}
        </tbody></table>
        <p class="muted small">Deadlines count the shortest window a network gives (7 days from opening).</p>
        <h2>Next payout</h2>
        <table id="next-payout"><tbody>
        {{#nextPayouts}}<tr data-currency="{{currency}}"><th>{{currency}}</th><td class="number">{{amount}}</td></tr>{{/nextPayouts}}
        {{^nextPayouts}}<tr><td class="muted">Nothing to pay out.</td></tr>{{/nextPayouts}}
        </tbody></table>
        <p class="muted small">What the next settlement run pays: your settled and pending balance. <code>paystorm serve</code> runs no settlement on a clock, so no date. <a href="/dashboard/balance?type=payout">Payouts so far</a></p></div>
        </section>
        {{/content}}{{/layout}}
        """

    static let payments = """
        {{<layout}}{{$content}}
        <h1>Payments</h1>
        <form method="get" action="/dashboard/payments" class="filters card" id="filters">
        <label>Search <input type="search" name="q" value="{{q}}" placeholder="pi_…, ch_… or dp_…"></label>
        <label>Status <select name="status"><option value="">Any</option>{{{statusOptions}}}</select></label>
        <label>Currency <select name="currency"><option value="">Any</option>{{{currencyOptions}}}</select></label>
        <label>Amount from <input type="text" inputmode="decimal" name="amount_min" value="{{amountMin}}" size="7"></label>
        <label>to <input type="text" inputmode="decimal" name="amount_max" value="{{amountMax}}" size="7"></label>
        <label>Created from <input type="date" name="from" value="{{from}}"></label>
        <label>to <input type="date" name="to" value="{{to}}"></label>
        <label>Brand <select name="brand"><option value="">Any</option>{{{brandOptions}}}</select></label>
        <label>Last4 <input type="text" inputmode="numeric" name="last4" value="{{last4}}" size="4" maxlength="4"></label>
        <button type="submit" class="primary" id="apply-filters">Filter</button>
        <a href="/dashboard/payments">Clear</a>
        </form>
        {{#problems}}<p class="error" role="alert">{{.}}</p>{{/problems}}
        <section class="totals" id="totals">
        <span><strong id="total-count">{{totalCount}}</strong> {{matchWords}}</span>
        {{#totals}}<span class="total" data-currency="{{currency}}">{{amount}} in {{count}}</span>{{/totals}}
        <a class="button" id="csv" href="{{csvHref}}">Download CSV</a>
        </section>
        <table class="list" id="payments">
        <thead><tr><th class="number">Amount</th><th>Status</th><th>Payment</th><th>Card</th><th>Description</th><th>Created (UTC)</th></tr></thead>
        <tbody>
        {{{rows}}}
        {{^hasRows}}<tr><td colspan="6" class="muted">No payments match.</td></tr>{{/hasRows}}
        </tbody></table>
        <nav class="pager">{{#previous}}<a href="{{previous}}" id="previous">← Newer</a>{{/previous}}{{#next}}<a href="{{next}}" id="next">Older →</a>{{/next}}</nav>
        {{/content}}{{/layout}}
        """

    /// The navigation's links (`DashboardLayout.Navigation`), rendered once per current section.
    static let navigation = """
        {{#links}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/links}}
        """

    /// A row of the payments list (`PaymentsPage.Row`), rendered once per value it shows.
    static let paymentRow = """
        <tr data-id="{{id}}"><td class="number">{{amount}}</td><td><span class="badge {{tone}}">{{status}}</span></td>
        <td><a href="/dashboard/payments/{{id}}">{{id}}</a></td><td>{{card}}</td><td class="description">{{description}}</td><td>{{created}}</td></tr>

        """

    /// A filter's `<option>`s (`PaymentsPage.Options`), rendered once per selection.
    static let filterOptions = """
        {{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}
        """

    static let payment = """
        {{<layout}}{{$content}}
        <p><a href="/dashboard/payments">← Payments</a></p>
        <h1><span id="amount">{{amount}}</span> <span class="badge {{tone}}" id="status">{{status}}</span></h1>
        <p class="muted"><code id="payment-id">{{id}}</code> · API status <code>{{apiStatus}}</code> · created {{created}} UTC</p>
        <section class="columns">
        <div class="card"><h2>Details</h2><dl class="facts">
        <dt>Captured</dt><dd id="captured">{{captured}}</dd>
        <dt>Refunded</dt><dd id="refunded">{{refunded}}</dd>
        <dt>Capturable</dt><dd>{{capturable}}</dd>
        <dt>Card</dt><dd id="card">{{card}}</dd>
        <dt>Card network</dt><dd>{{network}}</dd>
        <dt>3-D Secure</dt><dd>{{threeDSecure}}</dd>
        <dt>Capture method</dt><dd>{{captureMethod}}</dd>
        <dt>Payment method</dt><dd><code>{{paymentMethod}}</code></dd>
        <dt>Description</dt><dd>{{description}}</dd>
        {{#lastError}}<dt>Last error</dt><dd class="error-text">{{lastError}}</dd>{{/lastError}}
        {{#dispute}}<dt>Dispute</dt><dd><a href="/dashboard/disputes">{{dispute}}</a></dd>{{/dispute}}
        </dl>
        <h2>Metadata</h2>
        <table id="metadata"><tbody>{{#metadata}}<tr><th>{{key}}</th><td class="metadata-value">{{value}}</td></tr>{{/metadata}}
        {{^metadata}}<tr><td class="muted">None</td></tr>{{/metadata}}</tbody></table>
        </div>
        <div class="card"><h2>Actions</h2>
        {{#canRefund}}
        <form method="post" action="/dashboard/payments/{{id}}/refund" id="refund-form" class="action">
        <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="idempotency_key" value="{{idempotencyKey}}-refund">
        <label>Refund amount ({{currency}}) <input type="text" inputmode="decimal" name="amount" placeholder="{{refundable}}" size="9"></label>
        <button type="submit" id="refund">Refund</button><span class="muted small">Empty: all of the {{refundable}} left.</span>
        </form>
        {{/canRefund}}
        {{#canCapture}}
        <form method="post" action="/dashboard/payments/{{id}}/capture" id="capture-form" class="action">
        <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="idempotency_key" value="{{idempotencyKey}}-capture">
        <label>Capture amount ({{currency}}) <input type="text" inputmode="decimal" name="amount" placeholder="{{capturableAmount}}" size="9"></label>
        <button type="submit" id="capture" class="primary">Capture</button>
        </form>
        <form method="post" action="/dashboard/payments/{{id}}/cancel" id="cancel-form" class="action">
        <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="idempotency_key" value="{{idempotencyKey}}-cancel">
        <button type="submit" id="cancel">Cancel the authorization</button>
        </form>
        {{/canCapture}}
        {{#layout.readOnly}}<p class="muted" id="read-only-actions">Read only: you signed in with a restricted key, which can change nothing.</p>{{/layout.readOnly}}
        {{^layout.readOnly}}{{^hasActions}}<p class="muted">Nothing to do: this payment can be neither refunded nor captured.</p>{{/hasActions}}
        <p class="muted small">Actions go through the API with your key and an idempotency key per form: sending a form twice does it once.</p>{{/layout.readOnly}}
        <h2>Refunds</h2>
        <table id="refunds"><tbody>{{#refunds}}<tr><td><code>{{id}}</code></td><td class="number">{{amount}}</td><td>{{created}}</td></tr>{{/refunds}}
        {{^refunds}}<tr><td class="muted">None</td></tr>{{/refunds}}</tbody></table>
        </div>
        </section>
        <section class="card"><h2>Timeline</h2>
        <ol class="timeline" id="timeline">
        {{#timeline}}<li data-kind="{{kind}}" data-type="{{type}}" class="{{kind}} {{tone}}"><span class="when">{{time}}</span> <code class="event-type">{{type}}</code> <span class="what">{{summary}}</span>
        {{#attempts}}<div class="attempt {{tone}}">webhook to {{endpoint}}: attempt {{attempt}}, {{result}} in {{latencyMilliseconds}} ms</div>{{/attempts}}</li>
        {{/timeline}}
        {{^timeline}}<li class="muted">No events yet.</li>{{/timeline}}
        </ol>
        <h2>Ledger entries</h2>
        <ol class="timeline" id="ledger-entries">
        {{#ledgerEntries}}<li class="ledger-entry" data-transfer="{{transfer}}"><span class="when">{{time}}</span> transfer <code>{{transfer}}</code> <span class="muted">{{phase}}</span>
        <table class="legs"><tbody>{{#legs}}<tr class="leg" data-side="{{side}}" data-amount="{{amountMinorUnits}}"><td><code class="account">{{account}}</code></td><td>{{side}}</td><td class="number">{{amount}}</td></tr>{{/legs}}</tbody></table></li>
        {{/ledgerEntries}}
        {{^ledgerEntries}}<li class="muted">No ledger entries yet.</li>{{/ledgerEntries}}
        </ol>
        </section>
        {{/content}}{{/layout}}
        """

    static let disputes = """
        {{<layout}}{{$content}}
        <h1>Disputes</h1>
        <table class="list" id="disputes"><thead><tr><th>Dispute</th><th>Payment</th><th class="number">Amount</th><th>Reason</th><th>Status</th><th>Opened (UTC)</th></tr></thead><tbody>
        {{#rows}}<tr data-id="{{id}}"><td><code>{{id}}</code></td><td><a href="/dashboard/payments/{{paymentID}}">{{paymentID}}</a></td><td class="number">{{amount}}</td><td>{{reason}}</td>
        <td><span class="badge {{tone}} dispute-status">{{status}}</span></td><td>{{opened}}</td></tr>
        {{#needsResponse}}<tr class="evidence-row"><td colspan="6">
        <form method="post" action="/dashboard/disputes/{{id}}/evidence" class="evidence" id="evidence-{{id}}">
        <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="idempotency_key" value="{{idempotencyKey}}">
        <label>Product description <textarea name="product_description" rows="2" maxlength="5000"></textarea></label>
        <label>Customer communication <textarea name="customer_communication" rows="2" maxlength="5000"></textarea></label>
        <label>Other evidence <textarea name="uncategorized_text" rows="2" maxlength="5000"></textarea></label>
        <button type="submit" class="primary">Submit evidence</button>
        </form></td></tr>{{/needsResponse}}
        {{/rows}}
        {{^rows}}<tr><td colspan="6" class="muted">No disputes.</td></tr>{{/rows}}
        </tbody></table>
        {{/content}}{{/layout}}
        """

    static let webhooks = """
        {{<layout}}{{$content}}
        <h1>Webhooks</h1>
        <section class="card"><h2>Endpoints</h2>
        <table class="list" id="endpoints"><thead><tr><th>Endpoint</th><th>URL</th><th>Events</th><th>Created (UTC)</th></tr></thead><tbody>
        {{#endpoints}}<tr><td><code>{{id}}</code></td><td class="url">{{url}}</td><td>{{events}}</td><td>{{created}}</td></tr>{{/endpoints}}
        {{^endpoints}}<tr><td colspan="4" class="muted">No endpoints. Add one with <code>POST /v1/webhook_endpoints</code>.</td></tr>{{/endpoints}}
        </tbody></table></section>
        <section class="card"><h2>Recent deliveries</h2>
        <table class="list" id="deliveries"><thead><tr><th>When (UTC)</th><th>Event</th><th>Endpoint</th><th class="number">Attempt</th><th>Result</th><th class="number">Latency</th></tr></thead><tbody>
        {{#attempts}}<tr><td>{{time}}</td><td><code>{{eventID}}</code></td><td><code>{{endpoint}}</code></td><td class="number">{{attempt}}</td><td><span class="badge {{tone}}">{{result}}</span></td><td class="number">{{latencyMilliseconds}} ms</td></tr>{{/attempts}}
        {{^attempts}}<tr><td colspan="6" class="muted">No deliveries yet.</td></tr>{{/attempts}}
        </tbody></table></section>
        <section class="card"><h2>Dead letters</h2>
        <p class="muted small">Deliveries that failed every attempt (or found the queue full). Resending one starts a fresh round of attempts.</p>
        <table class="list" id="dead-letters"><thead><tr><th>Event</th><th>Type</th><th>Endpoint</th><th>URL</th><th></th></tr></thead><tbody>
        {{#deadLetters}}<tr data-event="{{eventID}}"><td><code>{{eventID}}</code></td><td><code>{{type}}</code></td><td><code>{{endpoint}}</code></td><td class="url">{{url}}</td>
        <td>{{^layout.readOnly}}<form method="post" action="/dashboard/webhooks/resend" class="resend"><input type="hidden" name="csrf" value="{{layout.csrf}}">
        <input type="hidden" name="event" value="{{eventID}}"><input type="hidden" name="endpoint" value="{{endpoint}}"><button type="submit">Resend</button></form>{{/layout.readOnly}}</td></tr>{{/deadLetters}}
        {{^deadLetters}}<tr><td colspan="5" class="muted">None.</td></tr>{{/deadLetters}}
        </tbody></table></section>
        {{/content}}{{/layout}}
        """

    static let balance = """
        {{<layout}}{{$content}}
        <h1>Balance</h1>
        <form method="get" action="/dashboard/balance" class="filters card" id="balance-filters">
        <label>Type <select name="type"><option value="">Any</option>{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select></label>
        <label>Currency <select name="currency"><option value="">Any</option>{{{currencyOptions}}}</select></label>
        <label>Created from <input type="date" name="from" value="{{from}}"></label>
        <label>to <input type="date" name="to" value="{{to}}"></label>
        <button type="submit" class="primary" id="apply-balance-filters">Filter</button>
        <a href="/dashboard/balance">Clear</a>
        </form>
        {{#problems}}<p class="error" role="alert">{{.}}</p>{{/problems}}
        <section class="totals"><span><strong id="balance-count">{{matchedCount}}</strong> balance transactions match</span>
        <a class="button" id="balance-csv" href="{{csvHref}}">Download CSV</a></section>
        <section class="card"><h2>Per day and currency</h2>
        <table class="list" id="balance-days"><thead><tr><th>Day (UTC)</th><th>Currency</th><th class="number">Transactions</th><th class="number">Amount</th><th class="number">Fees</th><th class="number">Net</th><th class="number">Paid out</th></tr></thead><tbody>
        {{#days}}<tr data-day="{{day}}" data-currency="{{currency}}"><td>{{day}}</td><td>{{currency}}</td><td class="number">{{count}}</td><td class="number">{{amount}}</td><td class="number fee">{{fee}}</td><td class="number net">{{net}}</td><td class="number">{{payouts}}</td></tr>{{/days}}
        {{^days}}<tr><td colspan="7" class="muted">No balance transactions match.</td></tr>{{/days}}
        </tbody></table></section>
        <section class="card"><h2>Payouts</h2>
        <table class="list" id="payouts"><thead><tr><th>Balance transaction</th><th>Payout</th><th class="number">Amount</th><th>Created (UTC)</th></tr></thead><tbody>
        {{#payouts}}<tr data-id="{{id}}"><td><code>{{id}}</code></td><td><code>{{source}}</code></td><td class="number">{{amount}}</td><td>{{created}}</td></tr>{{/payouts}}
        {{^payouts}}<tr><td colspan="4" class="muted">No payouts match. Payouts come from the daily settlement, which <code>paystorm serve</code> does not run on a clock.</td></tr>{{/payouts}}
        </tbody></table></section>
        <section class="card"><h2>Transactions <span class="muted small">(the newest {{shownCount}}; the CSV has all)</span></h2>
        <table class="list" id="balance-transactions"><thead><tr><th>Id</th><th>Type</th><th>Source</th><th class="number">Amount</th><th class="number">Fee</th><th class="number">Net</th><th>Created (UTC)</th><th>Available on</th></tr></thead><tbody>
        {{#rows}}<tr data-id="{{id}}"><td><code>{{id}}</code></td><td>{{type}}</td><td>{{#paymentID}}<a href="/dashboard/payments/{{paymentID}}">{{source}}</a>{{/paymentID}}{{^paymentID}}<code>{{source}}</code>{{/paymentID}}</td>
        <td class="number">{{amount}}</td><td class="number">{{fee}}</td><td class="number">{{net}}</td><td>{{created}}</td><td>{{availableOn}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="8" class="muted">None.</td></tr>{{/rows}}
        </tbody></table></section>
        {{/content}}{{/layout}}
        """

    static let apiKeys = """
        {{<layout}}{{$content}}
        <h1>API keys</h1>
        {{#newSecret}}<section class="card" id="new-key"><h2>Your new key</h2>
        <p><code id="new-secret">{{newSecret}}</code></p>
        <p class="muted small">Copy it now: it is shown this once. Only its last four characters are kept for this page.</p></section>{{/newSecret}}
        <table class="list" id="api-keys"><thead><tr><th>Name</th><th>Kind</th><th>Key</th><th>Created (UTC)</th><th>Expires</th><th></th></tr></thead><tbody>
        {{#rows}}<tr data-id="{{id}}"><td>{{name}}{{#isSessionKey}} <span class="badge good">this session</span>{{/isSessionKey}}</td><td>{{kind}}</td><td><code class="token">{{token}}</code></td><td>{{created}}</td>
        <td class="expires">{{#expired}}<span class="badge bad">expired</span> {{/expired}}{{expires}}{{^expires}}never{{/expires}}{{#replacedBy}} (rolled to <code>{{replacedBy}}</code>){{/replacedBy}}</td>
        <td>{{#canRoll}}<form method="post" action="/dashboard/api-keys/roll" class="roll"><input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="key" value="{{id}}">
        <label>Old key valid for <input type="number" name="grace_seconds" value="3600" min="0" max="{{graceSecondsMax}}" size="7"> s</label> <button type="submit">Roll</button></form>{{/canRoll}}</td></tr>{{/rows}}
        </tbody></table>
        {{#canManage}}<section class="card"><h2>Create a key</h2>
        <form method="post" action="/dashboard/api-keys/create" id="create-key" class="action"><input type="hidden" name="csrf" value="{{layout.csrf}}">
        <label>Name <input type="text" name="name" maxlength="64"></label>
        <label>Kind <select name="kind" id="key-kind"><option value="secret">Secret: everything</option><option value="restricted_read">Restricted: read only</option></select></label>
        <button type="submit" class="primary" id="create-key-button">Create key</button></form>
        <p class="muted small">A restricted key (<code>rk_test_…</code>) reads through the API (writes answer 403) and signs in to a read-only dashboard. Rolling a key makes a new one now and keeps the old one working for the grace period (0: it stops at once).</p></section>{{/canManage}}
        {{/content}}{{/layout}}
        """

    static let problem = """
        {{<layout}}{{$content}}
        <section class="card narrow"><h1 id="problem">{{heading}}</h1><p>{{message}}</p>
        <p><a href="/dashboard">Back to the dashboard</a></p></section>
        {{/content}}{{/layout}}
        """
}
