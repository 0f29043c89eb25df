// /docs: the OpenAPI document of the gateway rendered as one self-contained page (no script or
// style from anywhere but this gateway): every operation by tag, with its summary, security,
// parameters, request body and responses, read from /openapi.json in the browser.
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dataport gateway API</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2329; background: #f6f7f9; }
  header { background: #12324a; color: #fff; padding: 18px 28px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 6px 0 0; opacity: .85; max-width: 70em; }
  main { padding: 12px 28px 40px; max-width: 78em; }
  h2 { margin: 28px 0 8px; font-size: 18px; border-bottom: 1px solid #ccd3da; padding-bottom: 4px; text-transform: capitalize; }
  details { background: #fff; border: 1px solid #d9dee3; border-radius: 6px; margin: 6px 0; }
  summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: baseline; }
  .m { font: 600 12px ui-monospace, monospace; padding: 2px 7px; border-radius: 4px; color: #fff; min-width: 44px; text-align: center; }
  .get { background: #2f7d4f; } .post { background: #245e9c; } .put { background: #8a5a12; } .delete { background: #9c2f2f; }
  .path { font-family: ui-monospace, monospace; }
  .sum { color: #4a5560; }
  .body { padding: 4px 14px 12px; }
  pre { background: #f1f3f5; padding: 8px; border-radius: 4px; overflow: auto; font-size: 12.5px; max-height: 28em; }
  .lock { color: #8a5a12; font-size: 12px; }
</style>
</head>
<body>
<header><h1>dataport gateway API</h1><p id="desc">Loading /openapi.json</p></header>
<main id="ops"></main>
<script>
(async () => {
  const doc = await (await fetch('/openapi.json')).json();
  document.getElementById('desc').textContent = doc.info.description + ' (version ' + doc.info.version + ', OpenAPI ' + doc.openapi + ')';
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  const main = document.getElementById('ops');
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const block = (title, value) => { const d = el('div'); d.append(el('h4', '', title)); d.append(el('pre', '', JSON.stringify(value, null, 2))); return d; };
  for (const tag of [...byTag.keys()].sort()) {
    main.append(el('h2', '', tag));
    for (const { path, method, op } of byTag.get(tag)) {
      const d = el('details');
      const s = el('summary');
      s.append(el('span', 'm ' + method, method.toUpperCase()), el('span', 'path', path), el('span', 'sum', op.summary || ''));
      if (op.security && op.security.length) s.append(el('span', 'lock', 'signed (RFC 9421)'));
      d.append(s);
      const b = el('div', 'body');
      if (op.parameters && op.parameters.length) b.append(block('Parameters', op.parameters));
      if (op.requestBody) b.append(block('Request body', op.requestBody.content));
      if (op.responses) b.append(block('Responses', op.responses));
      d.append(b);
      main.append(d);
    }
  }
})().catch((e) => { document.getElementById('desc').textContent = 'Could not load /openapi.json: ' + e; });
</script>
</body>
</html>
`;
