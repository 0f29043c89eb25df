// The pipeline on real data: the CDISC pilot study's SDTM DM domain (306 subjects), from
// ../shared/data (see its README); skipped with a message where that folder is absent.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int32, Utf8, vectorFromArray } from 'apache-arrow';
import { createPipeline } from '../../../gateway/pipeline/apply.js';
import { SECRET, batchOf } from './helpers.js';

const DM = join(process.cwd(), '../shared/data/cdiscpilot01/dm.csv');
const skip = existsSync(DM) ? false : `real data not found at ${DM} (run from the repository root with ../shared/data present)`;

/** Just enough RFC 4180: quoted fields with "" escapes; an unquoted NA is a missing value. */
function parseCsv(text: string): { header: string[]; rows: (string | null)[][] } {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let end = i + 1;
      let s = '';
      for (;;) {
        const q = text.indexOf('"', end);
        s += text.slice(end, q);
        if (text[q + 1] === '"') { s += '"'; end = q + 2; } else { i = q + 1; break; }
      }
      value = s;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      const raw = text.slice(i, end);
      value = raw === 'NA' || raw === '' ? null : raw;
      i = end;
    }
    row.push(value);
    if (text[i] === ',') { i++; continue; }
    if (text[i] === '\r') i++;
    if (text[i] === '\n' || i >= text.length) { rows.push(row); row = []; i++; }
  }
  const [header, ...body] = rows;
  return { header: header as string[], rows: body };
}

const daysOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

t.test('the CDISC pilot DM domain through a clinical-trial plan', { skip }, async (t) => {
  const { header, rows } = parseCsv(readFileSync(DM, 'utf8'));
  const col = (name: string) => rows.map((r) => r[header.indexOf(name)] ?? null);
  const input = {
    USUBJID: col('USUBJID') as string[],
    BRTHDTC: col('BRTHDTC') as string[],
    RFSTDTC: col('RFSTDTC'),
    AGE: col('AGE').map(Number),
  };
  t.equal(rows.length, 306, 'parsed every subject');
  const batch = batchOf({
    USUBJID: vectorFromArray(input.USUBJID, new Utf8()),
    SITEID: vectorFromArray(col('SITEID'), new Utf8()),
    BRTHDTC: vectorFromArray(input.BRTHDTC, new Utf8()),
    RFSTDTC: vectorFromArray(input.RFSTDTC, new Utf8()),
    AGE: vectorFromArray(input.AGE, new Int32()),
    SEX: vectorFromArray(col('SEX'), new Utf8()),
    RACE: vectorFromArray(col('RACE'), new Utf8()),
    ARM: vectorFromArray(col('ARM'), new Utf8()),
  });
  const pipeline = createPipeline({
    version: 1, agreementId: 'urn:uuid:cdiscpilot01-dm-sponsor', datasetId: 'cdiscpilot01-dm', subjectColumn: 'USUBJID',
    columns: [
      { name: 'USUBJID', action: 'transform', steps: [{ op: 'pseudonymize' }] },
      { name: 'BRTHDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 365 }] },
      { name: 'RFSTDTC', action: 'transform', steps: [{ op: 'dateShift', maxDays: 365 }] },
      { name: 'AGE', action: 'transform', steps: [{ op: 'interval', width: 10 }] },
      { name: 'SEX', action: 'keep' },
      { name: 'SITEID', action: 'drop', reason: 'site identifies a small group' },
      { name: 'RACE', action: 'drop', reason: 'not needed for the purpose' },
    ],
  }, SECRET);
  const out = pipeline.apply(batch);

  t.equal(out.numRows, 306);
  t.same(out.schema.fields.map((f) => f.name), ['USUBJID', 'BRTHDTC', 'RFSTDTC', 'AGE', 'SEX']);

  const originals = new Set(input.USUBJID);
  const leaked = out.schema.fields.flatMap((f) => [...out.getChild(f.name)!].filter((v) => originals.has(v as string)));
  t.same(leaked, [], 'no original USUBJID appears in any output column');
  t.equal(new Set(out.getChild('USUBJID')!).size, 306, 'one token per subject');

  const birth = [...out.getChild('BRTHDTC')!] as string[];
  const start = [...out.getChild('RFSTDTC')!] as (string | null)[];
  let compared = 0;
  let moved = 0;
  let tooFar = 0;
  for (let i = 0; i < 306; i++) {
    if (daysOf(birth[i]!) !== daysOf(input.BRTHDTC[i]!)) moved++;
    if (Math.abs(daysOf(birth[i]!) - daysOf(input.BRTHDTC[i]!)) > 365) tooFar++;
    if (input.RFSTDTC[i] === null) {
      if (start[i] !== null) t.fail(`subject ${i}: a missing first dose date came out as ${start[i]}`);
      continue;
    }
    compared++;
    if (daysOf(start[i]!) - daysOf(birth[i]!) !== daysOf(input.RFSTDTC[i]!) - daysOf(input.BRTHDTC[i]!)) t.fail(`subject ${i}: the distance between birth and first dose changed`);
  }
  t.equal(compared, 254, 'every subject with a first dose date was compared');
  t.ok(moved > 290, `${moved} of 306 birth dates moved`);
  t.equal(tooFar, 0, 'no date moved by more than maxDays');

  t.equal(out.getChild('AGE')!.get(0), '[60, 70)', `age ${input.AGE[0]}`);
  const report = pipeline.report();
  t.same(report.dropped.map((d) => d.name), ['SITEID', 'RACE', 'ARM']);
  t.same(report.columns.find((c) => c.name === 'RFSTDTC')!.nullsIn, 52);
});
