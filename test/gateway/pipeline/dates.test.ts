import t from 'tap';
import { DateDay, Int32, TimestampMillisecond, TimestampSecond, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { civilFromDays, daysFromCivil } from '../../../gateway/pipeline/transforms/temporal.js';
import { thrown } from '../../helpers.js';
import { fixedVector, run } from './helpers.js';

const strings = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
const instants = (data: Data) => [...(data.values as BigInt64Array)];

t.test('days from civil and back agree with Date.UTC over four centuries', async (t) => {
  let bad = 0;
  const c = { year: 0, month: 0, day: 0 };
  for (let d = daysFromCivil(1800, 1, 1); d < daysFromCivil(2200, 1, 1); d += 1) {
    const js = new Date(d * 86_400_000);
    civilFromDays(d, c);
    if (c.year !== js.getUTCFullYear() || c.month !== js.getUTCMonth() + 1 || c.day !== js.getUTCDate()) bad++;
    if (daysFromCivil(c.year, c.month, c.day) !== d) bad++;
  }
  t.equal(bad, 0);
});

const text = ['2014-05-17T10:20:30.125+08:00', '2014-05-17T10:20', '2014-05-17', '2014-05', '2014', null];

t.test('truncateDate by year keeps the text format', async (t) => {
  t.same(run(strings(text), [{ op: 'truncateDate', unit: 'year' }]).values,
    ['2014-01-01T00:00:00.000+08:00', '2014-01-01T00:00', '2014-01-01', '2014-01', '2014', null]);
});

t.test('truncateDate by month, day, hour and minute', async (t) => {
  t.same(run(strings(text), [{ op: 'truncateDate', unit: 'month' }]).values, ['2014-05-01T00:00:00.000+08:00', '2014-05-01T00:00', '2014-05-01', '2014-05', '2014', null]);
  t.same(run(strings(text), [{ op: 'truncateDate', unit: 'day' }]).values, ['2014-05-17T00:00:00.000+08:00', '2014-05-17T00:00', '2014-05-17', '2014-05', '2014', null]);
  t.same(run(strings(text), [{ op: 'truncateDate', unit: 'hour' }]).values, ['2014-05-17T10:00:00.000+08:00', '2014-05-17T10:00', '2014-05-17', '2014-05', '2014', null]);
  t.same(run(strings(text), [{ op: 'truncateDate', unit: 'minute' }]).values, ['2014-05-17T10:20:00.000+08:00', '2014-05-17T10:20', '2014-05-17', '2014-05', '2014', null]);
});

t.test('truncateDate counts only the values it changed; unparseable text becomes null', async (t) => {
  const { values, report } = run(strings(['2014-05-01', '2014-05-17', '17/05/2014']), [{ op: 'truncateDate', unit: 'month' }]);
  t.same(values, ['2014-05-01', '2014-05-01', null]);
  t.same({ valuesChanged: report.columns[0]!.valuesChanged, nullsProduced: report.columns[0]!.nullsProduced }, { valuesChanged: 2, nullsProduced: 1 });
});

t.test('truncateDate on DateDay by month gives the first of the month', async (t) => {
  const may17 = daysFromCivil(2014, 5, 17);
  const { vector } = run(fixedVector(new DateDay(), [may17, -1]), [{ op: 'truncateDate', unit: 'month' }]);
  t.same([...(vector.data[0] as Data).values], [daysFromCivil(2014, 5, 1), daysFromCivil(1969, 12, 1)]);
});

t.test('truncateDate on Timestamp works in its fixed zone', async (t) => {
  const at = BigInt(Date.UTC(2014, 4, 17, 20, 20, 30)); // 2014-05-18T04:20:30+08:00
  const utc = run(fixedVector(new TimestampMillisecond(), [at]), [{ op: 'truncateDate', unit: 'day' }]);
  t.same(instants(utc.vector.data[0] as Data), [BigInt(Date.UTC(2014, 4, 17))]);
  const east8 = run(fixedVector(new TimestampMillisecond('+08:00'), [at]), [{ op: 'truncateDate', unit: 'day' }]);
  t.same(instants(east8.vector.data[0] as Data), [BigInt(Date.UTC(2014, 4, 17, 16))], 'local midnight of 2014-05-18 in +08:00');
  const month = run(fixedVector(new TimestampSecond(), [at / 1000n]), [{ op: 'truncateDate', unit: 'month' }]);
  t.same(instants(month.vector.data[0] as Data), [BigInt(Date.UTC(2014, 4, 1) / 1000)]);
});

t.test('truncateDate on a Timestamp with a named zone is refused', async (t) => {
  t.equal(thrown(() => run(fixedVector(new TimestampMillisecond('Asia/Shanghai'), [0n]), [{ op: 'truncateDate', unit: 'day' }])).message,
    'The request does not match its schema: truncateDate on "x": time zone "Asia/Shanghai" is not UTC or a fixed offset');
});

t.test('bucketTime floors text to multiples of the bucket since the epoch', async (t) => {
  t.same(run(strings(['2014-05-17T10:20:30', '2014-05-17T10:14:59.999', '2014-05-17T10:20:30+08:00', '2014-05-17', null]), [{ op: 'bucketTime', seconds: 900 }]).values,
    ['2014-05-17T10:15:00', '2014-05-17T10:00:00.000', '2014-05-17T10:15:00+08:00', '2014-05-17', null]);
});

t.test('bucketTime by a week floors to the epoch-aligned week (a Thursday)', async (t) => {
  t.same(run(strings(['2014-05-17', '1970-01-07T23:59:59']), [{ op: 'bucketTime', seconds: 7 * 86_400 }]).values, ['2014-05-15', '1970-01-01T00:00:00']);
});

t.test('bucketTime on Timestamp and DateDay', async (t) => {
  const ts = run(fixedVector(new TimestampMillisecond(), [1_400_322_030_500n, -1n]), [{ op: 'bucketTime', seconds: 60 }]);
  t.same(instants(ts.vector.data[0] as Data), [1_400_322_000_000n, -60_000n]);
  const d = run(fixedVector(new DateDay(), [16207, 16208]), [{ op: 'bucketTime', seconds: 2 * 86_400 }]);
  t.same([...(d.vector.data[0] as Data).values], [16206, 16208]);
});

t.test('bucketTime on a number column is refused', async (t) => {
  t.equal(thrown(() => run(fixedVector(new Int32(), [1]), [{ op: 'bucketTime', seconds: 60 }])).message,
    'The request does not match its schema: bucketTime on "x": needs ISO 8601 text, Date or Timestamp, got Int32');
});
