import t from 'tap';
import { buildGateway } from '../../gateway/server.js';
import { fromBase64 } from '../../crypto/bytes.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../crypto/merkle.js';
import { verifyCheckpoint } from '../../crypto/checkpoint.js';
import { tempDir, testIdentity } from '../helpers.js';
import { fileLedger } from '../../gateway/ledger/ledger.js';

async function gateway(t: Parameters<typeof tempDir>[0], dataDir = tempDir(t)) {
  const app = await buildGateway({ dataDir, port: 0, logLevel: 'silent', identity: testIdentity(3), ledger: { checkpointIntervalMs: 0 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base };
}

t.test('healthz and readyz answer on a real port', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  t.same(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
  const ready = await (await fetch(`${base}/readyz`)).json() as { status: string; ledgerSize: number };
  t.equal(ready.status, 'ready');
  t.equal(ready.ledgerSize, 1, 'the start itself is a ledger entry');
});

t.test('the start is recorded in the ledger with the gateway did', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const entry = await (await fetch(`${base}/ledger/entries/0`)).json() as { type: string; body: { did: string }; leaf: string; leafHash: string };
  t.equal(entry.type, 'gateway.started');
  t.equal(entry.body.did, testIdentity(3).did);
  t.same(leafHash(fromBase64(entry.leaf)), fromBase64(entry.leafHash), 'the served leaf hashes to the served leaf hash');
});

t.test('checkpoint, inclusion and consistency proofs served over HTTP verify offline', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  for (let i = 0; i < 9; i++) await app.ledger.append('test.event', { i });
  const note = await (await fetch(`${base}/ledger/checkpoint`)).text();
  const cp = verifyCheckpoint(note, { name: app.ledger.meta.origin, publicKey: testIdentity(3).publicKey }, app.ledger.meta.origin);
  t.equal(cp.size, 10);
  const json = await (await fetch(`${base}/ledger/checkpoint`, { headers: { accept: 'application/json' } })).json() as { size: number; note: string };
  t.equal(json.note, note);

  const inc = await (await fetch(`${base}/ledger/proofs/inclusion?seq=4&size=${cp.size}`)).json() as { leafHash: string; proof: string[]; rootHash: string };
  t.same(fromBase64(inc.rootHash), cp.rootHash);
  t.ok(verifyInclusion(4, cp.size, fromBase64(inc.leafHash), inc.proof.map(fromBase64), cp.rootHash));

  const old = app.ledger.root(3);
  const con = await (await fetch(`${base}/ledger/proofs/consistency?from=3&to=10`)).json() as { proof: string[]; fromRoot: string };
  t.same(fromBase64(con.fromRoot), old);
  t.ok(verifyConsistency(3, 10, old, cp.rootHash, con.proof.map(fromBase64)));
});

t.test('bad ledger requests get 4xx with stable DP_ERR codes', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const cases: [string, number, string][] = [
    ['/ledger/entries/99', 404, 'DP_ERR_NOT_FOUND'],
    ['/ledger/entries/abc', 400, 'DP_ERR_VALIDATION'],
    ['/ledger/entries/-1', 400, 'DP_ERR_VALIDATION'],
    ['/ledger/proofs/inclusion?seq=5&size=2', 400, 'DP_ERR_PROOF_RANGE'],
    ['/ledger/proofs/inclusion?seq=0&size=999', 400, 'DP_ERR_PROOF_RANGE'],
    ['/ledger/proofs/inclusion', 400, 'DP_ERR_VALIDATION'],
    ['/ledger/proofs/consistency?from=0', 400, 'DP_ERR_PROOF_RANGE'],
    ['/ledger/proofs/consistency?from=1&to=1e9', 400, 'DP_ERR_PROOF_RANGE'],
    ['/nowhere', 404, 'DP_ERR_NOT_FOUND'],
  ];
  for (const [path, status, code] of cases) {
    const res = await fetch(`${base}${path}`);
    const body = await res.json() as { code: string; message: string };
    t.equal(res.status, status, `${path} status`);
    t.equal(body.code, code, `${path} code`);
    t.type(body.message, 'string');
  }
});

t.test('responses carry a request id, and an incoming one is kept', async (t) => {
  const { app, base } = await gateway(t);
  t.teardown(() => app.close());
  const res = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'req-42' } });
  t.equal(res.headers.get('x-request-id'), 'req-42');
});

t.test('close flushes the ledger: a restart finds every entry and a final checkpoint', async (t) => {
  const dataDir = tempDir(t);
  const first = await gateway(t, dataDir);
  await Promise.all(Array.from({ length: 50 }, (_, i) => first.app.ledger.append('test.event', { i })));
  await first.app.close();
  const second = await gateway(t, dataDir);
  t.teardown(() => second.app.close());
  // started + 50 + stopped, then the second start
  t.equal(second.app.ledger.size, 53);
  t.equal(fileLedger(second.app.ledger).get(51).type, 'gateway.stopped');
  t.equal(fileLedger(second.app.ledger).get(52).type, 'gateway.started');
});
