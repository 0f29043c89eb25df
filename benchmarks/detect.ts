// npm run bench -- detect [--quick]
// 1. detectIdentifiers over a corpus of clinical-note-like free text, Chinese and English (32 MB
//    of UTF-8, 8 MB with --quick), generated in-process from a fixed seed: lab values, dates,
//    specimen numbers and other digit runs that are not identifiers, and about 1% of the
//    characters in identifiers of every type. Called note by note, as scrubText calls it; the
//    baseline in the same run is one plain regular-expression pass per note (/\d{11,}/g, what a
//    "long digit run" filter would do), so the ratio is the price of the eight validated detectors.
// 2. The scrubText kernel (mask, label, token) over those notes as one Arrow Utf8 column, rows/s,
//    beside detectIdentifiers alone over the same rows (the kernel's own cost is the difference).
// 3. formatToken (ten HMAC rounds per token) against pseudonymize (one HMAC) on distinct VINs.
import { RecordBatch, Utf8, vectorFromArray } from 'apache-arrow';
import { createPipeline } from '../gateway/pipeline/apply.js';
import { detectIdentifiers, residentIdCheckChar, usccCheckChar, vinCheckDigit } from '../gateway/pipeline/detect/index.js';
import type { PipelinePlan, Step } from '../gateway/pipeline/transforms/types.js';
import { seededInts } from './seeded.js';
import { printTable, writeResults, type Row } from './report.js';

const SECRET = new Uint8Array(32).fill(42);
const AGREEMENT = 'urn:uuid:bench-agreement';
const MB = 1e6;

/**
 * Median wall time in ms of each function: `runs` rounds after a warm-up round, each round calling
 * every function once in turn, so load that comes and goes on a shared machine hits them alike.
 */
function medians<K extends string>(runs: number, fns: Record<K, () => unknown>): Record<K, number> {
  const names = Object.keys(fns) as K[];
  const samples = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r <= runs; r++) {
    for (const k of names) {
      const t0 = performance.now();
      fns[k]();
      if (r > 0) samples[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((k) => [k, samples[k].sort((a, b) => a - b)[Math.floor(runs / 2)]!])) as Record<K, number>;
}

// ---- the corpus -----------------------------------------------------------------------------

type Rnd = ReturnType<typeof seededInts>;
const digits = (rnd: Rnd, n: number) => Array.from({ length: n }, () => rnd(10)).join('');
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[rnd(xs.length)]!;

const PROSE = [
  '患者主诉头痛三天，伴恶心呕吐，无发热。', '查体：体温36.8℃，脉搏78次/分，血压120/80mmHg。', '既往高血压病史5年，规律服用氨氯地平5mg qd。',
  '血常规：WBC 6.5×10^9/L，Hb 132g/L，PLT 210×10^9/L。', '诊断：1. 2型糖尿病 2. 高脂血症。', '建议低盐低脂饮食，2周后门诊复查。',
  '于2023-04-12行胃镜检查，提示慢性浅表性胃炎。', '家属陪同就诊，签署知情同意书。', '标本条码20230412008731，已送检。',
  'Patient presents with chest pain radiating to the left arm. ', 'BP 135/85 mmHg, HR 92 bpm, SpO2 97% on room air. ',
  'Started metformin 500 mg bid; HbA1c 7.8% on 2024-01-15. ', 'Follow-up in 3 months with a lipid panel. ', 'ECG shows sinus rhythm, no ST changes. ',
  'Lab accession 2024011500873112, specimen received intact. ', 'Discussed risks and benefits; patient consents to the procedure. ',
];

/** An identifier of a random type, and the words around it. */
function identifier(rnd: Rnd): { id: string; before: string; after: string } {
  const zh = (before: string, id: string) => ({ id, before, after: '，' });
  switch (rnd(8)) {
    case 0: {
      const first17 = `${pick(rnd, ['11', '31', '33', '44', '51'])}${digits(rnd, 4)}19${50 + rnd(50)}0${1 + rnd(9)}1${rnd(9)}${digits(rnd, 3)}`;
      return zh('身份证号', first17 + residentIdCheckChar(first17));
    }
    case 1: return zh('联系电话', `1${3 + rnd(7)}${digits(rnd, 9)}`);
    case 2: return { id: `patient${rnd(10_000)}@example.com`, before: 'Contact: ', after: '. ' };
    case 3: return zh('车牌', `${pick(rnd, ['京', '沪', '粤', '浙'])}${pick(rnd, ['A', 'B', 'C'])}${digits(rnd, 5)}`);
    case 4: {
      const template = `LSGJA52U0${pick(rnd, ['G', 'H', 'J'])}S${digits(rnd, 6)}`;
      return { id: template.slice(0, 8) + vinCheckDigit(template) + template.slice(9), before: 'VIN ', after: '. ' };
    }
    case 5: {
      const first17 = `91${pick(rnd, ['110108', '310115', '440300'])}${digits(rnd, 9)}`;
      return zh('单位代码', first17 + usccCheckChar(first17));
    }
    case 6: {
      // A UnionPay number whose last digit completes the Luhn sum.
      const body = `622202${digits(rnd, 9)}`;
      let d = 0;
      while (!luhnOk(body + d)) d++;
      return zh('卡号', body + d);
    }
    default: return zh('护照', `E${digits(rnd, 8)}`);
  }
}

function luhnOk(s: string): boolean {
  let sum = 0;
  for (let i = s.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = s.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

interface Corpus { notes: string[]; bytes: number; identifiers: number; identifierShare: number }

/** Notes of 3 to 30 fragments until `bytes` of UTF-8; one fragment in 40 names an identifier (about 1% of the characters). */
function corpus(bytes: number): Corpus {
  const rnd = seededInts(20_260_101);
  const notes: string[] = [];
  let total = 0;
  let identifiers = 0;
  let identifierChars = 0;
  let chars = 0;
  while (total < bytes) {
    let note = '';
    for (let f = 3 + rnd(28); f > 0; f--) {
      if (rnd(40) === 0) {
        const { id, before, after } = identifier(rnd);
        note += before + id + after;
        identifiers++;
        identifierChars += id.length;
      } else {
        note += pick(rnd, PROSE);
      }
    }
    notes.push(note);
    chars += note.length;
    total += Buffer.byteLength(note);
  }
  return { notes, bytes: total, identifiers, identifierShare: identifierChars / chars };
}

// ---- 1. detection ---------------------------------------------------------------------------

function detectCase(c: Corpus, runs: number): Row[] {
  const today = new Date();
  let found = 0;
  let runsFound = 0;
  const candidate = () => {
    found = 0;
    for (const note of c.notes) found += detectIdentifiers(note, { today }).length;
  };
  const baseline = () => {
    runsFound = 0;
    for (const note of c.notes) runsFound += note.match(/\d{11,}/g)?.length ?? 0;
  };
  const { base, cand } = medians(runs, { base: baseline, cand: candidate });
  const row = (implementation: string, ms: number, spans: number): Row => ({
    implementation, MB: c.bytes / MB, notes: c.notes.length, spans, ms, 'MB/s': c.bytes / MB / (ms / 1000), 'x baseline time': ms / base,
  });
  return [row('one regex pass, /\\d{11,}/g (baseline)', base, runsFound), row('detectIdentifiers (8 validated detectors)', cand, found)];
}

// ---- 2. the scrubText kernel ----------------------------------------------------------------

function scrubCase(c: Corpus, rows: number, runs: number): Row[] {
  const notes = c.notes.slice(0, rows);
  const input = new RecordBatch({ NOTE: vectorFromArray(notes, new Utf8()).data[0]! });
  const bytes = notes.reduce((sum, n) => sum + Buffer.byteLength(n), 0);
  const today = new Date();
  const out: Row[] = [];
  const add = (implementation: string, ms: number, base: number) =>
    out.push({ implementation, rows: notes.length, MB: bytes / MB, ms, 'rows/s': notes.length / (ms / 1000), 'MB/s': bytes / MB / (ms / 1000), 'x detect time': ms / base });
  const detectOnly = () => {
    for (const note of notes) detectIdentifiers(note, { today });
  };
  // A fresh pipeline per call: the token cache starts empty every time, as on a new transfer.
  const scrub = (replace: 'mask' | 'label' | 'token') => () => createPipeline(planOf('NOTE', { op: 'scrubText', replace }), SECRET).apply(input);
  // What is timed must work: nothing the detector finds survives masking.
  const masked = scrub('mask')().getChild('NOTE')!;
  for (let i = 0; i < 500; i++) if (detectIdentifiers(masked.get(i) as string, { today }).length > 0) throw new Error(`row ${i} still holds an identifier`);
  const ms = medians(runs, { detect: detectOnly, mask: scrub('mask'), label: scrub('label'), token: scrub('token') });
  add('detectIdentifiers per row (baseline)', ms.detect, ms.detect);
  for (const replace of ['mask', 'label', 'token'] as const) add(`scrubText ${replace}`, ms[replace], ms.detect);
  return out;
}

// ---- 3. format-preserving tokens ------------------------------------------------------------

function tokenCase(n: number, runs: number): Row[] {
  const vins = Array.from({ length: n }, (_, i) => {
    const template = `LSGJA52U0GS${String(i).padStart(6, '0')}`;
    return template.slice(0, 8) + vinCheckDigit(template) + template.slice(9);
  });
  const input = new RecordBatch({ VIN: vectorFromArray(vins, new Utf8()).data[0]! });
  const { pseudonyms, tokens } = medians(runs, {
    pseudonyms: () => createPipeline(planOf('VIN', { op: 'pseudonymize' }), SECRET).apply(input),
    tokens: () => createPipeline(planOf('VIN', { op: 'formatToken', kind: 'vin' }), SECRET).apply(input),
  });
  const row = (implementation: string, ms: number): Row => ({ implementation, values: n, ms, 'values/s': n / (ms / 1000), 'x baseline time': ms / pseudonyms });
  return [row('pseudonymize, 1 HMAC per value (baseline)', pseudonyms), row('formatToken vin, 10 HMAC rounds per value', tokens)];
}

function planOf(column: string, step: Step): PipelinePlan {
  return { version: 1, agreementId: AGREEMENT, datasetId: 'bench-detect', columns: [{ name: column, action: 'transform', steps: [step] }] };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 3 : 5;
  const c = corpus((quick ? 8 : 32) * MB);
  process.stdout.write(`corpus: ${(c.bytes / MB).toFixed(1)} MB UTF-8 in ${c.notes.length.toLocaleString('en-US')} notes, ${c.identifiers.toLocaleString('en-US')} identifiers (~${(c.identifierShare * 100).toFixed(2)}% of the characters)\n`);
  const detection = detectCase(c, runs);
  printTable(`detectIdentifiers over free text (median of ${runs})`, detection);
  const scrub = scrubCase(c, quick ? 5_000 : 20_000, runs);
  printTable(`scrubText over one Utf8 column (median of ${runs})`, scrub);
  const tokens = tokenCase(quick ? 20_000 : 100_000, runs);
  printTable(`format-preserving tokens, distinct VINs (median of ${runs})`, tokens);
  writeResults('detect', { quick, corpus: { bytes: c.bytes, notes: c.notes.length, identifiers: c.identifiers, identifierShare: c.identifierShare }, detection, scrub, tokens });
}
