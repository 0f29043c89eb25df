import t from 'tap';
import type { RecordBatch } from 'apache-arrow';
import { trialWorld } from './world.js';
import { sample, until } from '../helpers.js';

async function drain(batches: AsyncIterable<RecordBatch>): Promise<number> {
  let rows = 0;
  for await (const b of batches) rows += b.numRows;
  return rows;
}

t.test('GET /metrics is public and exposes every named instrument in the Prometheus text format', async (t) => {
  const { app } = await trialWorld(t, { rows: 10, batchRows: 500 });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200, 'no signature needed');
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  for (const name of [
    'dataport_rows_in_total', 'dataport_rows_out_total', 'dataport_bytes_out_total', 'dataport_pipeline_stage_seconds', 'dataport_negotiations',
    'dataport_transfers', 'dataport_denials_total', 'dataport_ledger_size', 'dataport_ledger_append_seconds', 'dataport_aggregation_jobs',
    'dataport_process_cpu_seconds_total', 'dataport_nodejs_heap_size_used_bytes',
  ]) t.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
  t.equal(sample(res.body, 'dataport_negotiations', { state: 'TERMINATED' }), 0, 'every state has a series, zero or not');
  // The consumer has its agreement before the provider's side records FINALIZED: wait for it.
  await until('the provider to record FINALIZED', () => ([...app.state.negotiations.values()][0]?.state === 'FINALIZED' ? true : undefined), 2000, 20);
  const later = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(sample(later, 'dataport_negotiations', { state: 'FINALIZED' }), 1, 'the agreement reached, read from the control plane');
  await app.ledger.flush();
  const settled = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(sample(settled, 'dataport_ledger_size'), app.ledger.size, 'the ledger size gauge is the ledger\'s');
  t.ok((sample(settled, 'dataport_ledger_append_seconds_count') ?? 0) > 0, 'ledger commits were timed');
});

t.test('the rows and bytes counters equal the transfer\'s totals once it completes', async (t) => {
  const { app, consumer, agreementId } = await trialWorld(t, { rows: 2500, batchRows: 500 });
  const { providerPid, batches, completed } = await consumer.transfers.pull(agreementId);
  t.equal(await drain(batches), 2500);
  const done = await completed;
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const labels = { dataset: 'trial', transfer: providerPid };
  t.equal(sample(text, 'dataport_rows_in_total', labels), 2500);
  t.equal(sample(text, 'dataport_rows_out_total', labels), done.rowsOut);
  t.equal(sample(text, 'dataport_bytes_out_total', labels), app.state.transfers.get(providerPid)!.bytesOut, 'bytes as the ledger recorded them');
  t.equal(sample(text, 'dataport_batches_out_total', { dataset: 'trial' }), 5);
  t.equal(sample(text, 'dataport_pipeline_stage_seconds_count', { stage: 'batch' }), 5, 'one latency per batch');
  t.equal(sample(text, 'dataport_transfers', { state: 'COMPLETED' }), 1);
});

t.test('policy refusals are counted by code, with where they happened', async (t) => {
  const { app, consumer, agreementId } = await trialWorld(t, { rows: 50, batchRows: 500, constraints: [{ leftOperand: 'count', operator: 'lteq', rightOperand: '1' }] });
  const first = await consumer.transfers.pull(agreementId);
  await drain(first.batches);
  await first.completed;
  const before = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(sample(before, 'dataport_denials_total', { code: 'DP_ERR_POLICY_DENIED' }), undefined, 'nothing refused yet');
  const second = await consumer.transfers.pull(agreementId).catch((e: unknown) => e as { code: string });
  t.match(second, { code: 'DP_ERR_POLICY_DENIED' });
  const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(sample(after, 'dataport_denials_total', { code: 'DP_ERR_POLICY_DENIED', stage: 'request' }), 1);
  t.match(app.metrics.recentDenials.at(-1), { code: 'DP_ERR_POLICY_DENIED', stage: 'request', message: /count/ });
  const notFound = await app.inject({ method: 'GET', url: '/nowhere' });
  t.equal(notFound.statusCode, 404);
  t.notMatch((await app.inject({ method: 'GET', url: '/metrics' })).body, /DP_ERR_NOT_FOUND/, 'other errors are not denials');
});
