import t from 'tap';
import pg from 'pg';
import { toDataportError } from '../../gateway/errors-plugin.js';

t.test('a PostgreSQL error on any route is the store failing (503), not a bug (500)', async (t) => {
  const e = new pg.DatabaseError('terminating connection due to administrator command', 0, 'error');
  e.code = '57P01';
  t.match(toDataportError(e), { code: 'DP_ERR_STORE_UNAVAILABLE', status: 503 });
});

t.test('the connection to PostgreSQL refused or cut is the store failing (503)', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  t.match(toDataportError(refused), { code: 'DP_ERR_STORE_UNAVAILABLE', status: 503 });
  t.match(toDataportError(new Error('Connection terminated unexpectedly')), { code: 'DP_ERR_STORE_UNAVAILABLE', status: 503 });
});

t.test('missing tables are a store this gateway cannot use (run the migrations)', async (t) => {
  const e = new pg.DatabaseError('relation "dataport_leases" does not exist', 0, 'error');
  e.code = '42P01';
  t.match(toDataportError(e), { code: 'DP_ERR_STORE_INVALID', message: /run the migrations/ });
});

t.test('any other unexpected error is still an internal error', async (t) => {
  t.match(toDataportError(new TypeError('x is undefined')), { code: 'DP_ERR_INTERNAL', status: 500 });
});
