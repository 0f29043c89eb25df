import t from 'tap';
import { resolveConfig } from '../../gateway/config.js';

t.test('no store configured: the embedded files', async (t) => {
  const c = resolveConfig({}, {});
  t.equal(c.store, undefined);
  t.equal(c.leaseTtlMs, 15_000);
  t.equal(c.resumeIntervalMs, 2000);
});

t.test('DATAPORT_STORE names a PostgreSQL database; --store wins over it', async (t) => {
  t.equal(resolveConfig({}, { DATAPORT_STORE: 'postgres://u@db:5432/dataport' }).store, 'postgres://u@db:5432/dataport');
  t.equal(resolveConfig({ store: 'postgresql://x@y/z' }, { DATAPORT_STORE: 'postgres://u@db/dataport' }).store, 'postgresql://x@y/z');
});

t.test('a store that is not a postgres:// URL is refused, without echoing its password', async (t) => {
  const err = (() => {
    try {
      resolveConfig({ store: 'mysql://root:hunter2@db/dataport' }, {});
    } catch (e) {
      return e as { code: string; message: string };
    }
    return undefined;
  })();
  t.equal(err?.code, 'DP_ERR_INVALID_ARGUMENT');
  t.notMatch(err?.message ?? '', /hunter2/);
});

t.test('lease and resume intervals come from the environment and are checked', async (t) => {
  const c = resolveConfig({}, { DATAPORT_LEASE_TTL_MS: '1500', DATAPORT_RESUME_INTERVAL_MS: '300', DATAPORT_REPLICA: 'r7', DATAPORT_KEY_FILE: '/keys/k.json' });
  t.same([c.leaseTtlMs, c.resumeIntervalMs, c.replica, c.keyFile], [1500, 300, 'r7', '/keys/k.json']);
  t.throws(() => resolveConfig({}, { DATAPORT_LEASE_TTL_MS: '10' }), { code: 'DP_ERR_INVALID_ARGUMENT' });
  t.throws(() => resolveConfig({}, { DATAPORT_RESUME_INTERVAL_MS: 'soon' }), { code: 'DP_ERR_INVALID_ARGUMENT' });
});
