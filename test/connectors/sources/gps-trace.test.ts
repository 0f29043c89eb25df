import t from 'tap';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readComma2k19Gnss, readGeoLifeDirectory, readGpsTrace, readPlt,
} from '../../../connectors/sources/gps-trace.js';
import { tempDir } from '../../helpers.js';
import { collect, columns, fixtures, values } from './helpers.js';

const geolife = join(fixtures, 'geolife');
const firstPlt = join(geolife, '042', 'Trajectory', '20081023025304.plt');

t.test('a .plt file: user from its folder, UTC time, degrees, altitude in metres', async (t) => {
  const batches = await collect(readPlt(firstPlt));
  t.same(columns(batches[0]!), ['user_id:utf8', 'tracked_at:timestamp[ms]', 'latitude:float64', 'longitude:float64', 'altitude_m:float64']);
  t.same(values(batches, 'user_id'), ['042', '042', '042']);
  t.same(values(batches, 'tracked_at'), [Date.UTC(2008, 9, 23, 2, 53, 4), Date.UTC(2008, 9, 23, 2, 53, 10), Date.UTC(2008, 9, 23, 2, 53, 16)]);
  t.same(values(batches, 'latitude'), [39.984702, 39.984683, 40]);
  t.same(values(batches, 'longitude'), [116.318417, 116.31845, 116.3185]);
  const altitude = values(batches, 'altitude_m') as (number | null)[];
  t.equal(altitude[0], 492 * 0.3048);
  t.equal(altitude[1], 100 * 0.3048);
  t.equal(altitude[2], null, '-777 feet is GeoLife for "unknown"');
});

t.test('a .plt file outside NNN/Trajectory needs userId', async (t) => {
  const dir = tempDir(t);
  const loose = join(dir, 'loose.plt');
  copyFileSync(firstPlt, loose);
  await t.rejects(collect(readPlt(loose)), { code: 'DP_ERR_INVALID_ARGUMENT', message: /pass userId/ });
  t.same(values(await collect(readPlt(loose, { userId: 'u7' })), 'user_id'), ['u7', 'u7', 'u7']);
});

t.test('a GeoLife directory: every user and file in name order, batches spanning files', async (t) => {
  const batches = await collect(readGeoLifeDirectory(geolife, { batchRows: 4 }));
  t.same(batches.map((b) => b.numRows), [4, 2]);
  t.same(values(batches, 'user_id'), ['042', '042', '042', '042', '042', '043']);
  t.same(values(batches, 'latitude'), [39.984702, 39.984683, 40, 39.99, 39.991, 39.9]);
  const times = values(batches, 'tracked_at') as number[];
  t.ok(times.every((v, i) => i === 0 || v > times[i - 1]!), 'in time order');
});

t.test('a bad .plt point is DP_ERR_VALIDATION naming file, line and column', async (t) => {
  const dir = join(tempDir(t), '001', 'Trajectory');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'bad.plt');
  writeFileSync(path, 'h\nh\nh\nh\nh\nh\n39.9,116.4,0,50,39753.0,2008-11-01,00:00:00\n95.1,116.4,0,50,39753.0,2008-11-01,00:00:05\n');
  await t.rejects(collect(readPlt(path)), { code: 'DP_ERR_VALIDATION', message: /bad\.plt line 8, column "latitude": "95\.1" is not valid/ });
  writeFileSync(path, 'h\nh\nh\nh\nh\nh\n39.9,116.4,0,50,39753.0,2008-11-31,00:00:00\n');
  await t.rejects(collect(readPlt(path)), { code: 'DP_ERR_VALIDATION', message: /line 7, column "tracked_at"/ });
});

t.test('a schema picks .plt columns; a type other than the fixed one is refused', async (t) => {
  const batches = await collect(readPlt(firstPlt, { schema: [{ name: 'latitude', type: 'float64' }, { name: 'tracked_at', type: 'timestamp[ms]' }] }));
  t.same(columns(batches[0]!), ['latitude:float64', 'tracked_at:timestamp[ms]']);
  await t.rejects(collect(readPlt(firstPlt, { schema: [{ name: 'latitude', type: 'utf8' }] })), { code: 'DP_ERR_VALIDATION', message: /"latitude" is float64, the schema declares utf8/ });
});

t.test('comma2k19 GNSS CSV: epoch milliseconds become a timestamp column', async (t) => {
  const batches = await collect(readComma2k19Gnss(join(fixtures, 'gnss.csv')));
  t.same(columns(batches[0]!), ['boot_time_s:float64', 'latitude_deg:float64', 'longitude_deg:float64', 'speed_mps:float64', 'utc_timestamp_ms:timestamp[ms]', 'altitude_m:float64', 'bearing_deg:float64']);
  t.same(values(batches, 'utc_timestamp_ms'), [1533226488299, 1533226488399]);
  t.same(values(batches, 'speed_mps'), [7.8, 7.9]);
});

t.test('readGpsTrace tells a directory, a .plt, comma2k19 and trackintel CSV apart', async (t) => {
  t.equal((await collect(readGpsTrace(geolife))).reduce((n, b) => n + b.numRows, 0), 6);
  t.equal((await collect(readGpsTrace(firstPlt)))[0]!.numRows, 3);
  t.same(columns((await collect(readGpsTrace(join(fixtures, 'gnss.csv'))))[0]!)[4], 'utc_timestamp_ms:timestamp[ms]');
  const fixes = await collect(readGpsTrace(join(fixtures, 'positionfixes.csv')));
  t.same(columns(fixes[0]!), ['user_id:utf8', 'tracked_at:timestamp[ms]', 'latitude:float64', 'longitude:float64', 'elevation:float64', 'accuracy:float64']);
  t.same(values(fixes, 'tracked_at')[0], Date.UTC(2008, 9, 26, 5, 59, 34));
  await t.rejects(collect(readGpsTrace(join(fixtures, 'quotes.csv'))), { code: 'DP_ERR_INVALID_ARGUMENT', message: /not a GeoLife directory/ });
});
