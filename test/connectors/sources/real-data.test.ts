// The readers on the real files of ../shared/data (skipped, visibly, where it is absent).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSource } from '../../../connectors/sources/index.js';
import { readPlt } from '../../../connectors/sources/gps-trace.js';
import { datasetJsonColumnSpec, type DatasetJsonColumn } from '../../../connectors/sources/dataset-json.js';
import { collect, columns, rowCount, sharedData, unlessShared, values } from './helpers.js';

const data = (relative: string) => join(sharedData, relative);

t.test('cdiscpilot01/dm.csv: 306 rows, 28 columns, unquoted NA read as null', { skip: unlessShared('cdiscpilot01/dm.csv') }, async (t) => {
  const batches = await collect(readSource(data('cdiscpilot01/dm.csv'), 'csv'));
  t.equal(rowCount(batches), 306);
  t.equal(batches[0]!.numCols, 28);
  t.equal(values(batches, 'USUBJID')[0], '01-701-1015');
  t.equal(values(batches, 'AGE')[0], 63);
  t.equal(values(batches, 'RFICDTC')[0], null, 'NA in the first row');
  const na = batches[0]!.schema.fields.filter((f) => values(batches, f.name).includes('NA')).map((f) => f.name);
  t.same(na, [], 'no column holds the text NA');
});

t.test('cdiscpilot01/ae.csv: 1191 rows, 35 columns', { skip: unlessShared('cdiscpilot01/ae.csv') }, async (t) => {
  const batches = await collect(readSource(data('cdiscpilot01/ae.csv'), 'csv'));
  t.equal(rowCount(batches), 1191);
  t.equal(batches[0]!.numCols, 35);
  t.equal(values(batches, 'AETERM')[0], 'APPLICATION SITE ERYTHEMA');
});

t.test('dataset-json/adsl.json: 254 rows with the declared columns and their Arrow types', { skip: unlessShared('dataset-json/adsl.json') }, async (t) => {
  const path = data('dataset-json/adsl.json');
  const declared = (JSON.parse(readFileSync(path, 'utf8')) as { columns: DatasetJsonColumn[] }).columns;
  const batches = await collect(readSource(path, 'dataset-json'));
  t.equal(rowCount(batches), 254);
  const expected = declared.map((c) => {
    const spec = datasetJsonColumnSpec(c);
    return `${c.name}:${spec.type === 'integer' ? 'int32' : spec.type}`;
  });
  t.same(columns(batches[0]!), expected);
  t.ok(expected.includes('TRTSDT:date32') && expected.includes('AVGDD:float64') && expected.includes('AGE:int32'));
  t.equal(values(batches, 'AGE')[0], 63);
  t.equal(values(batches, 'TRTSDT')[0], Date.UTC(2014, 0, 2));
});

t.test('dataset-json/adae.ndjson and adae.json: 1191 rows each, same values', { skip: unlessShared('dataset-json/adae.ndjson') }, async (t) => {
  const nd = await collect(readSource(data('dataset-json/adae.ndjson'), 'dataset-json', { batchRows: 500 }));
  const js = await collect(readSource(data('dataset-json/adae.json'), 'dataset-json', { batchRows: 500 }));
  t.equal(rowCount(nd), 1191);
  t.equal(rowCount(js), 1191);
  t.same(nd.map((b) => b.numRows), [500, 500, 191]);
  t.same(values(nd, 'AEDECOD'), values(js, 'AEDECOD'));
  t.same(values(nd, 'ASTDT'), values(js, 'ASTDT'));
});

t.test('dataset-json SDTM examples: partial ISO dates read as text (18 and 74 rows)', { skip: unlessShared('dataset-json/sdtm-dm.json') }, async (t) => {
  const dm = await collect(readSource(data('dataset-json/sdtm-dm.json'), 'dataset-json'));
  const ae = await collect(readSource(data('dataset-json/sdtm-ae.json'), 'dataset-json'));
  t.equal(rowCount(dm), 18);
  t.equal(rowCount(ae), 74);
  t.ok(values(dm, 'BRTHDTC').includes('1928'));
});

t.test('geolife plt directory: every point of the 11 users, in Beijing, in time order per file', { skip: unlessShared('geolife/plt') }, async (t) => {
  const root = data('geolife/plt');
  const batches = await collect(readSource(root, 'gps-trace'));
  const total = rowCount(batches);
  // 164,531 data lines; the README's 164,525 misses six points whose latitude is written "40".
  t.equal(total, 164_531);
  const users = new Set(values(batches, 'user_id'));
  t.equal(users.size, 11);
  const lat = values(batches, 'latitude') as number[];
  const lon = values(batches, 'longitude') as number[];
  let inBeijing = 0;
  for (let i = 0; i < total; i++) if (lat[i]! >= 39 && lat[i]! <= 41 && lon[i]! >= 115 && lon[i]! <= 118) inBeijing++;
  t.ok(inBeijing / total >= 0.95, `${inBeijing} of ${total} points in lat 39-41, lon 115-118`);

  let files = 0;
  let backwards = 0;
  let perFile = 0;
  for (const user of readdirSync(root).sort()) {
    const dir = join(root, user, 'Trajectory');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.plt')).sort()) {
      files++;
      const times = values(await collect(readPlt(join(dir, file))), 'tracked_at') as number[];
      perFile += times.length;
      for (let i = 1; i < times.length; i++) if (times[i]! < times[i - 1]!) backwards++;
    }
  }
  t.equal(files, 111);
  t.equal(perFile, total, 'file by file, the same points');
  // Some consecutive points share a second, so time never goes back but is not strictly increasing.
  t.equal(backwards, 0, 'no file goes back in time');
});

t.test('geolife/geolife_trajectory.csv (; separated): 2293 position fixes', { skip: unlessShared('geolife/geolife_trajectory.csv') }, async (t) => {
  // 2,293 data rows: the last line has no line break (the README's 2,292 counts line breaks).
  const batches = await collect(readSource(data('geolife/geolife_trajectory.csv'), 'gps-trace'));
  t.equal(rowCount(batches), 2293);
  t.equal(values(batches, 'tracked_at')[0], Date.UTC(2008, 9, 26, 5, 59, 34));
  const csv = await collect(readSource(data('geolife/geolife_trajectory.csv'), 'csv', { delimiter: ';' }));
  t.equal(rowCount(csv), 2293);
});

t.test('comma2k19 GNSS CSV: 579 fixes, 10 Hz UTC timestamps', { skip: unlessShared('comma2k19/comma2k19_gnss_ublox.csv') }, async (t) => {
  const batches = await collect(readSource(data('comma2k19/comma2k19_gnss_ublox.csv'), 'gps-trace'));
  t.equal(rowCount(batches), 579);
  const times = values(batches, 'utc_timestamp_ms') as number[];
  t.equal(times[0], 1533226488299);
  t.ok(times.every((v, i) => i === 0 || v > times[i - 1]!), 'strictly increasing');
  t.equal(times.at(-1)! - times[0]!, 59_700, 'about one minute');
});
