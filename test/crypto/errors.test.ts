import t from 'tap';
import { DataportError, ERRORS } from '../../crypto/errors.js';

t.test('every error code is DP_ERR_ prefixed with a 4xx/5xx status', async (t) => {
  for (const [code, def] of Object.entries(ERRORS)) {
    t.match(code, /^DP_ERR_[A-Z_]+$/, code);
    t.ok(def.status >= 400 && def.status < 600, `${code} status ${def.status}`);
  }
});

t.test('DataportError fills the message template and serialises code, message, details', async (t) => {
  const e = new DataportError('DP_ERR_NOT_FOUND', 'entry 7', { seq: 7 });
  t.equal(e.status, 404);
  t.equal(e.message, 'Not found: entry 7');
  t.same(JSON.parse(JSON.stringify(e)), { code: 'DP_ERR_NOT_FOUND', message: 'Not found: entry 7', details: { seq: 7 } });
});
