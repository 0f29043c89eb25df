import t from 'tap';

// The package's exports map is a contract: other tools import these names.
t.test('dataport/crypto exports the RFC 9162 functions with the agreed signatures', async (t) => {
  const crypto = await import('dataport/crypto');
  for (const name of ['leafHash', 'merkleRoot', 'verifyInclusion', 'verifyConsistency']) t.type((crypto as Record<string, unknown>)[name], 'function', name);
  t.equal(crypto.verifyInclusion.length, 5);
  t.equal(crypto.verifyConsistency.length, 5);
  t.equal(crypto.leafHash(new Uint8Array()).length, 32);
});

t.test('every subpath of the exports map loads', async (t) => {
  for (const path of ['dataport/crypto', 'dataport/policies', 'dataport/gateway', 'dataport/connectors']) {
    t.type(await import(path), 'object', path);
  }
  const gateway = await import('dataport/gateway');
  t.type(gateway.buildGateway, 'function');
});

t.test('dataport/gateway exports detectIdentifiers with string offsets', async (t) => {
  const { detectIdentifiers } = await import('dataport/gateway');
  t.same(detectIdentifiers('身份证 11010519491231002X，电话 13812345678'), [
    { type: 'cn_resident_id', start: 4, end: 22 },
    { type: 'cn_mobile', start: 26, end: 37 },
  ]);
});
