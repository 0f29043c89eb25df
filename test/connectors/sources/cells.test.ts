import t from 'tap';
import {
  inferType, parseBool, parseDate32, parseInt32, parseInt64, parseTimestampMs,
} from '../../../connectors/sources/cells.js';

t.test('timestamps: ISO 8601 with Z, an offset, no zone (UTC), a space, fractions, or a date alone', async (t) => {
  t.equal(parseTimestampMs('2008-10-23T02:53:04Z'), Date.UTC(2008, 9, 23, 2, 53, 4));
  t.equal(parseTimestampMs('2008-10-23T10:53:04+08:00'), Date.UTC(2008, 9, 23, 2, 53, 4));
  t.equal(parseTimestampMs('2008-10-23T02:53:04-0130'), Date.UTC(2008, 9, 23, 4, 23, 4));
  t.equal(parseTimestampMs('2008-10-23 02:53'), Date.UTC(2008, 9, 23, 2, 53));
  t.equal(parseTimestampMs('2008-10-23T02:53:04.1234'), Date.UTC(2008, 9, 23, 2, 53, 4, 123));
  t.equal(parseTimestampMs('2008-10-23'), Date.UTC(2008, 9, 23));
  t.equal(parseTimestampMs(1533226488299), 1533226488299, 'a JSON number is epoch ms');
});

t.test('timestamps: partial dates, impossible dates and digits in text are refused', async (t) => {
  t.equal(parseTimestampMs('1928'), undefined);
  t.equal(parseTimestampMs('2013-05'), undefined);
  t.equal(parseTimestampMs('2023-02-29T00:00:00Z'), undefined);
  t.equal(parseTimestampMs('2023-01-01T24:00:00Z'), undefined);
  t.equal(parseTimestampMs('1533226488299'), undefined);
  t.equal(parseTimestampMs(1.5), undefined);
});

t.test('date32 counts days from 1970-01-01, years below 100 included', async (t) => {
  t.equal(parseDate32('1970-01-02'), 1);
  t.equal(parseDate32('1969-12-31'), -1);
  t.equal(parseDate32('2024-02-29'), 19782);
  t.equal(parseDate32('0050-01-01'), -701265, 'year 50, not 1950');
  t.equal(parseDate32('2023-02-29'), undefined);
  t.equal(parseDate32('2014-01-02T00:00'), undefined);
});

t.test('integers: declared columns take 007 and 12.0, and refuse 12.5 and out-of-range values', async (t) => {
  t.equal(parseInt32('007'), 7);
  t.equal(parseInt32('12.0'), 12);
  t.equal(parseInt32('12.5'), undefined);
  t.equal(parseInt32('2147483648'), undefined);
  t.equal(parseInt32(''), undefined);
  t.equal(parseInt64('1533226488299.0'), 1533226488299n);
  t.equal(parseInt64('9223372036854775808'), undefined);
  t.equal(parseInt64(-5), -5n);
});

t.test('booleans: true/false in any case, 1/0, JSON booleans', async (t) => {
  t.same(['TRUE', 'false', '1', '0', true, 'yes'].map((v) => parseBool(v)), [true, false, true, false, true, undefined]);
});

t.test('inference from text follows the documented rule', async (t) => {
  const infer = (cells: (string | null)[]) => inferType(cells, cells.length, true);
  t.equal(infer([null, '']), 'utf8', 'nothing seen');
  t.equal(infer(['1', '-2', null]), 'int32');
  t.equal(infer(['1', '2147483648']), 'int64');
  t.equal(infer(['1', '2.5']), 'float64');
  t.equal(infer(['1', '99999999999999999999']), 'utf8', 'past int64: an identifier');
  t.equal(infer(['007']), 'utf8', 'a leading zero: a code');
  t.equal(infer(['0.5', '0']), 'float64');
  t.equal(infer(['true', 'false']), 'utf8', 'text booleans stay text');
  t.equal(infer(['1', 'NaN']), 'utf8');
});

t.test('inference from JSON: numbers by value, booleans, and strings stay utf8', async (t) => {
  const infer = (cells: (string | number | boolean | null)[]) => inferType(cells, cells.length, false);
  t.equal(infer([1, 2, null]), 'int32');
  t.equal(infer([1, 2 ** 40]), 'int64');
  t.equal(infer([1, 0.5]), 'float64');
  t.equal(infer([true, false]), 'bool');
  t.equal(infer(['1', '2']), 'utf8');
  t.equal(infer([1, 'a']), 'utf8');
});
