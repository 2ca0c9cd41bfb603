/// The dashboard's one stylesheet, served from the binary at `/dashboard/style.css` (the pages'
/// Content-Security-Policy allows styles from the dashboard's own origin only, no inline style).
enum DashboardStylesheet {
    static let css = """
        :root { --ink: #1a1f36; --muted: #697386; --line: #e3e8ee; --accent: #635bff; --bg: #f6f9fc;
          --good: #0e6245; --good-bg: #cbf4c9; --bad: #a41c4e; --bad-bg: #fde2dd; --pending: #983705;
          --pending-bg: #fcedb9; --neutral: #3c4257; --neutral-bg: #e3e8ee; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
          background: var(--bg); }
        header.top { display: flex; align-items: center; gap: 24px; padding: 10px 28px; background: #fff;
          border-bottom: 1px solid var(--line); }
        header.top .brand { font-weight: 700; font-size: 17px; color: var(--accent); text-decoration: none; }
        header.top nav { display: flex; gap: 4px; flex: 1; }
        header.top nav a { padding: 6px 10px; border-radius: 6px; color: var(--neutral); text-decoration: none; }
        header.top nav a[aria-current="page"] { background: #eef0ff; color: var(--accent); font-weight: 600; }
        header.top .merchant { color: var(--muted); font-family: ui-monospace, monospace; font-size: 12px; }
        main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 48px; }
        h1 { font-size: 22px; margin: 8px 0 16px; }
        h2 { font-size: 15px; margin: 4px 0 10px; }
        a { color: var(--accent); }
        code { font-family: ui-monospace, "SFMono-Regular", monospace; font-size: 12.5px; }
        code.token { white-space: nowrap; }
        table.legs { margin: 4px 0 8px 0; }
        table.legs td { padding: 2px 8px; }
        .muted { color: var(--muted); font-weight: normal; }
        .small { font-size: 12px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px;
          margin-bottom: 16px; }
        .narrow { max-width: 440px; margin: 48px auto; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px;
          margin-bottom: 16px; }
        .tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
        .tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .tile .figure { font-size: 22px; font-weight: 600; margin: 2px 0; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px; }
        .charts figure { margin: 0 0 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px;
          padding: 8px; }
        .charts svg { width: 100%; height: auto; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: 12px; }
        table.list { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        table.list tbody tr:hover { background: #f7f8ff; }
        .number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.description, td.url, .metadata-value { word-break: break-word; max-width: 340px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
        .badge.good { color: var(--good); background: var(--good-bg); }
        .badge.bad { color: var(--bad); background: var(--bad-bg); }
        .badge.pending { color: var(--pending); background: var(--pending-bg); }
        .badge.neutral { color: var(--neutral); background: var(--neutral-bg); }
        .filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; }
        .filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
        input, select, textarea { font: inherit; padding: 5px 7px; border: 1px solid #c1c9d2; border-radius: 6px;
          background: #fff; color: var(--ink); }
        textarea { width: 100%; }
        button, a.button { font: inherit; padding: 6px 12px; border: 1px solid #c1c9d2; border-radius: 6px;
          background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        .totals { display: flex; gap: 18px; align-items: center; margin: 12px 0; flex-wrap: wrap; }
        .totals .total { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 3px 9px; }
        .totals a.button { margin-left: auto; }
        .pager { display: flex; gap: 16px; justify-content: flex-end; margin-top: 10px; }
        .notice { background: #eef0ff; border: 1px solid #c7c9ff; padding: 8px 12px; border-radius: 6px; }
        .error { background: var(--bad-bg); color: var(--bad); padding: 8px 12px; border-radius: 6px; }
        .error-text { color: var(--bad); }
        dl.facts { display: grid; grid-template-columns: 130px 1fr; gap: 4px 12px; margin: 0 0 14px; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-word; }
        form.action { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; margin-bottom: 12px; }
        form.action label, form.evidence label, #sign-in label { display: flex; flex-direction: column;
          font-size: 12px; color: var(--muted); gap: 2px; }
        form.evidence { display: grid; grid-template-columns: 1fr 1fr 1fr auto; gap: 10px; align-items: end; }
        #sign-in { display: flex; flex-direction: column; gap: 12px; }
        ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
        ol.timeline li { padding: 6px 0 6px 14px; position: relative; }
        ol.timeline li::before { content: ""; position: absolute; left: -6px; top: 12px; width: 10px; height: 10px;
          border-radius: 50%; background: var(--accent); }
        ol.timeline .when { color: var(--muted); font-variant-numeric: tabular-nums; }
        .attempt { font-size: 12px; margin: 2px 0 0 70px; }
        .attempt.good { color: var(--good); }
        .attempt.bad { color: var(--bad); }
        ol.timeline li.network::before, ol.timeline li.three_d_secure::before { border-radius: 2px; }
        ol.timeline li.good::before { background: var(--good); }
        ol.timeline li.bad::before { background: var(--bad); }
        ol.timeline li.pending::before { background: var(--pending); }
        form.sign-out button { padding: 4px 10px; }
        @media (max-width: 900px) { .columns { grid-template-columns: 1fr; } .charts { grid-template-columns: 1fr; } }
        """
}
