// The dashboard page: static HTML, its script and its styles, served by the gateway itself (uPlot
// from node_modules, no CDN). The script builds every cell with textContent: dataset ids, reasons
// and DIDs come from participants and are never parsed as HTML.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dataport gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/uplot.css">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<header><h1>dataport gateway</h1><span id="status" class="status">connecting…</span></header>
<section class="kpis">
  <div class="kpi"><span class="label">rows out</span><span class="value" id="rows-out" data-value="">–</span></div>
  <div class="kpi"><span class="label">rows in</span><span class="value" id="rows-in" data-value="">–</span></div>
  <div class="kpi"><span class="label">MB out</span><span class="value" id="bytes-out" data-value="">–</span></div>
  <div class="kpi"><span class="label">transfers running</span><span class="value" id="transfers-running" data-value="">–</span></div>
  <div class="kpi"><span class="label">negotiations</span><span class="value" id="negotiations-total" data-value="">–</span></div>
  <div class="kpi"><span class="label">denials</span><span class="value" id="denials-total" data-value="">–</span></div>
  <div class="kpi"><span class="label">ledger size</span><span class="value" id="ledger-size" data-value="">–</span></div>
</section>
<section class="charts">
  <div><h2>rows/s</h2><div id="chart-rows"></div></div>
  <div><h2>MB/s</h2><div id="chart-bytes"></div></div>
</section>
<section>
  <h2>transfers</h2>
  <table id="transfers"><thead><tr><th>transfer</th><th>dataset</th><th>consumer</th><th>mode</th><th>state</th><th>rows out</th><th>of source rows</th><th>MB out</th><th>ended</th></tr></thead><tbody></tbody></table>
</section>
<section class="grid">
  <div><h2>negotiations by state</h2><table id="negotiations"><tbody></tbody></table></div>
  <div><h2>transfers by state</h2><table id="transfer-states"><tbody></tbody></table></div>
  <div><h2>denials by code</h2><table id="denial-codes"><tbody></tbody></table></div>
  <div><h2>aggregation jobs by state</h2><table id="job-states"><tbody></tbody></table></div>
</section>
<section>
  <h2>recent refusals</h2>
  <table id="denials"><thead><tr><th>time</th><th>code</th><th>where</th><th>reason</th></tr></thead><tbody></tbody></table>
  <h2>compliance denials</h2>
  <table id="compliance"><thead><tr><th>time</th><th>exporter</th><th>stage</th><th>dataset</th><th>pathway</th><th>rule</th><th>missing</th></tr></thead><tbody></tbody></table>
  <h2>transfers stopped on compliance grounds</h2>
  <table id="stopped"><thead><tr><th>time</th><th>exporter</th><th>dataset</th><th>code</th><th>reason</th><th>rows out</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>homomorphic aggregation jobs</h2>
  <table id="jobs"><thead><tr><th>job</th><th>analyst</th><th>state</th><th>contributions</th><th>sources</th><th>ε</th><th>deadline</th><th>failure</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>ledger head</h2>
  <dl id="ledger"><dt>size</dt><dd id="ledger-size-detail"></dd><dt>append p99</dt><dd id="ledger-p99"></dd><dt>checkpoint size</dt><dd id="checkpoint-size"></dd><dt>root</dt><dd id="checkpoint-root" class="mono"></dd><dt>signed checkpoint</dt><dd><pre id="checkpoint-note"></pre></dd><dt>last verification</dt><dd>none recorded by this gateway (run <code>dataport ledger verify</code>)</dd></dl>
</section>
<script src="/dashboard/uplot.js"></script>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d2330; background: #f6f7f9; }
header { display: flex; align-items: baseline; gap: 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.status { color: #888; } .status.live { color: #16803c; }
.kpis { display: flex; flex-wrap: wrap; gap: .75rem; }
.kpi { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; }
.kpi .label { display: block; color: #667; font-size: .8rem; } .kpi .value { font-size: 1.4rem; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
.charts > div, table, dl { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 1rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eef0f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono, pre { font-family: ui-monospace, monospace; font-size: .8rem; word-break: break-all; white-space: pre-wrap; margin: 0; }
dl { display: grid; grid-template-columns: 10rem 1fr; padding: .5rem; margin: 0; } dt { color: #667; }
`;

export const DASHBOARD_JS = `'use strict';
(function () {
  const HISTORY = 120; // points kept in the charts (about two minutes)
  const MAX_SERIES = 6; // transfers drawn beside the total
  const fmt = (n) => Number(n).toLocaleString('en-GB', { maximumFractionDigits: 2 });
  const short = (s) => String(s).replace(/^urn:uuid:/, '').slice(0, 8);
  const $ = (id) => document.getElementById(id);
  function setValue(id, n, text) { const e = $(id); e.dataset.value = String(n); e.textContent = text ?? fmt(n); }
  function cell(text, num) { const td = document.createElement('td'); td.textContent = text == null ? '' : String(text); if (num) td.className = 'num'; return td; }
  function fill(id, rows) {
    const body = $(id).tBodies[0];
    body.replaceChildren(...rows.map((cells) => { const tr = document.createElement('tr'); tr.append(...cells); return tr; }));
  }
  function counts(id, record) {
    fill(id, Object.entries(record).sort().map(([k, v]) => [cell(k), cell(fmt(v), true)]));
  }
  const sum = (record) => Object.values(record).reduce((a, b) => a + b, 0);

  // Chart data: x, total, then one column per drawn transfer (keys, in series order).
  const keys = [];
  const rows = { x: [], total: [], per: [] };
  const mb = { x: [], total: [], per: [] };
  function chart(el, unit) {
    const opts = { width: Math.max(400, el.clientWidth || 600), height: 220, scales: { x: { time: true } },
      series: [{}, { label: 'total ' + unit, stroke: '#2456c8', width: 2 }], axes: [{}, { size: 70 }] };
    return new uPlot(opts, [[], []], el);
  }
  const charts = { rows: chart($('chart-rows'), 'rows/s'), bytes: chart($('chart-bytes'), 'MB/s') };
  const COLOURS = ['#e4572e', '#17bebb', '#76b041', '#ffc914', '#8e44ad', '#ff7f50'];
  function ensureSeries(pid) {
    if (keys.includes(pid) || keys.length >= MAX_SERIES) return;
    const colour = COLOURS[keys.length % COLOURS.length];
    keys.push(pid);
    for (const [c, h, unit] of [[charts.rows, rows, 'rows/s'], [charts.bytes, mb, 'MB/s']]) {
      h.per.push(h.x.map(() => null));
      c.addSeries({ label: short(pid) + ' ' + unit, stroke: colour });
    }
  }
  function push(h, t, total, per) {
    h.x.push(t); h.total.push(total);
    keys.forEach((k, i) => h.per[i].push(per[k] ?? 0));
    if (h.x.length > HISTORY) { h.x.shift(); h.total.shift(); for (const p of h.per) p.shift(); }
  }

  let prev;
  function render(s) {
    setValue('rows-out', s.totals.rowsOut);
    setValue('rows-in', s.totals.rowsIn);
    setValue('bytes-out', s.totals.bytesOut, fmt(s.totals.bytesOut / 1e6));
    setValue('transfers-running', (s.transfersByState.STARTED ?? 0) + (s.transfersByState.REQUESTED ?? 0) + (s.transfersByState.SUSPENDED ?? 0));
    setValue('negotiations-total', sum(s.negotiationsByState));
    setValue('denials-total', sum(s.denialsByCode));
    setValue('ledger-size', s.ledger.size);

    if (prev) {
      const dt = (s.at - prev.at) / 1000;
      if (dt > 0) {
        const was = new Map(prev.transfers.map((t) => [t.providerPid, t]));
        const perRows = {}, perMb = {};
        for (const t of s.transfers) {
          const p = was.get(t.providerPid);
          const dr = t.rowsOut - (p ? p.rowsOut : 0), db = t.bytesOut - (p ? p.bytesOut : 0);
          if (dr > 0 || t.state === 'STARTED') ensureSeries(t.providerPid);
          perRows[t.providerPid] = Math.max(0, dr) / dt;
          perMb[t.providerPid] = Math.max(0, db) / 1e6 / dt;
        }
        push(rows, s.at / 1000, Math.max(0, s.totals.rowsOut - prev.totals.rowsOut) / dt, perRows);
        push(mb, s.at / 1000, Math.max(0, s.totals.bytesOut - prev.totals.bytesOut) / 1e6 / dt, perMb);
        charts.rows.setData([rows.x, rows.total, ...rows.per]);
        charts.bytes.setData([mb.x, mb.total, ...mb.per]);
      }
    }
    prev = s;

    fill('transfers', s.transfers.map((t) => [
      cell(short(t.providerPid)), cell(t.datasetId), cell(t.consumer), cell(t.mode), cell(t.state),
      cell(fmt(t.rowsOut), true), cell(t.sourceRows == null ? '?' : fmt(t.sourceRows) + ' (' + Math.round((100 * t.rowsOut) / Math.max(1, t.sourceRows)) + '%)', true),
      cell(fmt(t.bytesOut / 1e6), true), cell(t.termination ? t.termination.code + ': ' + t.termination.reason.join('; ') : ''),
    ]));
    counts('negotiations', s.negotiationsByState);
    counts('transfer-states', s.transfersByState);
    counts('denial-codes', s.denialsByCode);
    counts('job-states', s.jobsByState);
    fill('denials', s.denials.recent.map((d) => [cell(d.time), cell(d.code), cell(d.stage), cell(d.message)]));
    fill('compliance', s.denials.compliance.map((d) => [cell(d.time), cell(d.exporter), cell(d.stage), cell(d.datasetId), cell(d.pathway), cell(d.rule), cell(d.missing.join(', '))]));
    fill('stopped', s.denials.stopped.map((d) => [cell(d.time), cell(d.exporter), cell(d.datasetId), cell(d.code), cell(d.reason), cell(fmt(d.rowsOut), true)]));
    fill('jobs', s.jobs.map((j) => [cell(short(j.id)), cell(j.analyst), cell(j.state), cell(j.contributions + ' / min ' + j.minProviders, true), cell(j.sources, true), cell(j.epsilon, true), cell(j.deadline), cell(j.failure ?? '')]));
    $('ledger-size-detail').textContent = fmt(s.ledger.size);
    $('ledger-p99').textContent = s.ledger.appendP99Seconds == null ? 'no appends yet' : '≤ ' + fmt(s.ledger.appendP99Seconds * 1000) + ' ms';
    $('checkpoint-size').textContent = fmt(s.ledger.checkpoint.size);
    $('checkpoint-root').textContent = s.ledger.checkpoint.root;
    $('checkpoint-note').textContent = s.ledger.checkpoint.note;
  }

  const status = $('status');
  const events = new EventSource('/dashboard/events');
  events.onopen = () => { status.textContent = 'live'; status.className = 'status live'; };
  events.onerror = () => { status.textContent = 'reconnecting…'; status.className = 'status'; };
  events.onmessage = (e) => { const s = JSON.parse(e.data); render(s); document.body.dataset.at = String(s.at); };
})();
`;
