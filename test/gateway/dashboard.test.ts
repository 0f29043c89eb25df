import t from 'tap';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildGateway } from '../../gateway/server.js';
import { trialWorld } from './world.js';
import { repoRoot, sample, tempDir, testIdentity, until } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: the browser test needs it (apt-get install chromium)`;
if (skip) console.log(`# SKIP dashboard browser test: ${skip}`);

const ROWS = 200000;

/** The raw number a dashboard figure shows (its data-value), or NaN before the first snapshot. */
async function shown(page: Page, id: string): Promise<number> {
  const v = await page.getAttribute(`#${id}`, 'data-value');
  return v ? Number(v) : Number.NaN;
}

/** The page updates once a second: poll it every 100 ms, for up to 10 s. */
const watch = <X>(what: string, check: () => Promise<X | undefined>) => until(what, check, 10_000, 100);

t.test('the dashboard shows the figures /metrics gives, and follows a running transfer', { skip }, async (t) => {
  const { app, base, consumer, agreementId } = await trialWorld(t, { rows: ROWS, batchRows: 2000 });
  // Imported here, not at the top: loading playwright-core before the negotiation changes its timing
  // enough to expose a race in the consumer connector (FINALIZED can arrive before it records VERIFIED).
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  const res = await page.goto(`${base}/dashboard`);
  t.equal(res?.status(), 200, 'the page loads without a signature');
  await watch('the event stream to go live', async () => ((await page.textContent('#status')) === 'live' && !Number.isNaN(await shown(page, 'ledger-size')) ? true : undefined));

  /** Page and /metrics agree on a figure: polled, since the page lags by up to one tick. */
  const agree = (id: string, fromMetrics: (text: string) => number) =>
    watch(`#${id} to match /metrics`, async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const want = fromMetrics(text);
      return (await shown(page, id)) === want ? want : undefined;
    });
  const total = (name: string) => (text: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);

  t.equal(await agree('rows-out', total('dataport_rows_out_total')), 0, 'no rows out before the transfer');
  t.equal(await agree('negotiations-total', total('dataport_negotiations')), 1, 'one negotiation');
  await agree('ledger-size', (text) => sample(text, 'dataport_ledger_size')!);

  // A slow consumer keeps the transfer running for a few seconds of SSE ticks.
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreementId);
  const reading = (async () => {
    let rows = 0;
    for await (const b of batches) {
      rows += b.numRows;
      await new Promise((r) => setTimeout(r, 40));
    }
    return rows;
  })();
  const early = await watch('rows out to show mid-transfer', async () => {
    const n = await shown(page, 'rows-out');
    return n > 0 && n < ROWS ? n : undefined;
  });
  const later = await watch('rows out to rise while the transfer runs', async () => {
    const n = await shown(page, 'rows-out');
    return n > early ? n : undefined;
  });
  t.ok(later > early, `rows out rose from ${early} to ${later} while the transfer ran`);
  t.equal(await page.textContent('#transfers tbody tr td:nth-child(5)'), 'STARTED', 'the transfer is listed as running');
  t.equal(await shown(page, 'transfers-running'), 1);

  t.equal(await reading, ROWS);
  await completed;
  t.equal(await agree('rows-out', total('dataport_rows_out_total')), ROWS, 'every row, on the page as in /metrics');
  t.equal(await agree('rows-in', total('dataport_rows_in_total')), ROWS);
  await agree('bytes-out', total('dataport_bytes_out_total'));
  await agree('ledger-size', (text) => sample(text, 'dataport_ledger_size')!);
  await watch('the transfer to show as completed', async () => ((await page.textContent('#transfers tbody tr td:nth-child(5)')) === 'COMPLETED' ? true : undefined));
  t.match(await page.textContent('#transfers tbody tr td:nth-child(7)'), /^200,000 \(100%\)$/, 'progress against the source rows');
  t.equal(app.state.transfers.get(providerPid)?.rowsOut, ROWS);
  t.equal((await page.textContent('#checkpoint-root'))?.length, 64, 'the ledger head shows a root');
  t.ok(await page.$('#chart-rows .uplot'), 'the rows/s chart is drawn');
  t.same(problems, [], 'no script errors or CSP violations in the page');

  const out = join(repoRoot, 'test-output');
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
  t.ok(statSync(join(out, 'dashboard.png')).size > 10000, 'screenshot saved to test-output/dashboard.png');
});

t.test('the event stream sends JSON snapshots and closing the gateway ends it', async (t) => {
  const dir = tempDir(t);
  const app = await buildGateway({ dataDir: join(dir, 'gw'), port: 0, logLevel: 'silent', identity: testIdentity(3), ledger: { checkpointIntervalMs: 0 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/dashboard/events`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\ndata: ') || !text.endsWith('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  const snap = JSON.parse(text.split('data: ')[1]!.trim()) as { ledger: { size: number }; totals: { rowsOut: number } };
  t.equal(snap.ledger.size, app.ledger.size);
  t.equal(snap.totals.rowsOut, 0);
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 3000, 'an open event stream does not hold shutdown up');
  for (;;) if ((await reader.read()).done) break;
  t.pass('the stream ended');
});
