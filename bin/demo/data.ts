// The demos' bundled data: small synthetic files, generated from a fixed seed, so the demos run on
// a fresh machine with nothing else installed. None of it describes a real person or vehicle.
//  - a CDISC-like SDTM DM (one row per subject) and AE (adverse events) of a 3-arm trial at 10 sites;
//  - vehicle telemetry around Beijing: VINs (valid ISO 3779 check digits), plates, 5-second GPS
//    fixes in trips, speed, heading, and a free-text note that sometimes names a phone or a plate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vinCheckDigit } from '../../gateway/pipeline/detect/index.js';

/** mulberry32: a small seeded generator, so every run writes the same files. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const char = (r: Rng, chars: string): string => chars[Math.floor(r() * chars.length)]!;
/** One of `xs`, by the weights beside them. */
function weighted<T>(r: Rng, xs: readonly (readonly [T, number])[]): T {
  const total = xs.reduce((n, [, w]) => n + w, 0);
  let x = r() * total;
  for (const [v, w] of xs) if ((x -= w) < 0) return v;
  return xs[xs.length - 1]![0];
}
const q = (s: string) => `"${s}"`;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const SITES: readonly (readonly [string, number])[] = [['701', 14], ['702', 2], ['703', 3], ['704', 5], ['705', 3], ['706', 2], ['707', 3], ['708', 9], ['709', 3], ['710', 12]];
const ARMS: readonly (readonly [string, string])[] = [['Pbo', 'Placebo'], ['Xan_Lo', 'Xanomeline Low Dose'], ['Xan_Hi', 'Xanomeline High Dose']];
const RACES: readonly (readonly [string, number])[] = [['WHITE', 86], ['BLACK OR AFRICAN AMERICAN', 10], ['AMERICAN INDIAN OR ALASKA NATIVE', 1], ['ASIAN', 3]];
/** Body systems (MedDRA SOC names) with a few preferred terms each, and how often they occur. */
const AE_TERMS: readonly (readonly [string, readonly string[], number])[] = [
  ['GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS', ['APPLICATION SITE PRURITUS', 'APPLICATION SITE ERYTHEMA', 'FATIGUE', 'OEDEMA PERIPHERAL'], 30],
  ['SKIN AND SUBCUTANEOUS TISSUE DISORDERS', ['PRURITUS', 'ERYTHEMA', 'RASH', 'HYPERHIDROSIS'], 20],
  ['NERVOUS SYSTEM DISORDERS', ['DIZZINESS', 'HEADACHE', 'SOMNOLENCE', 'SYNCOPE'], 12],
  ['GASTROINTESTINAL DISORDERS', ['DIARRHOEA', 'NAUSEA', 'VOMITING', 'ABDOMINAL PAIN'], 10],
  ['INFECTIONS AND INFESTATIONS', ['NASOPHARYNGITIS', 'UPPER RESPIRATORY TRACT INFECTION', 'URINARY TRACT INFECTION'], 8],
  ['CARDIAC DISORDERS', ['SINUS BRADYCARDIA', 'MYOCARDIAL INFARCTION', 'ATRIAL FIBRILLATION'], 6],
  ['PSYCHIATRIC DISORDERS', ['CONFUSIONAL STATE', 'AGITATION', 'INSOMNIA'], 5],
  ['RESPIRATORY, THORACIC AND MEDIASTINAL DISORDERS', ['COUGH', 'NASAL CONGESTION', 'DYSPNOEA'], 4],
  ['MUSCULOSKELETAL AND CONNECTIVE TISSUE DISORDERS', ['BACK PAIN', 'ARTHRALGIA'], 3],
  ['INVESTIGATIONS', ['ELECTROCARDIOGRAM ST SEGMENT DEPRESSION', 'BLOOD GLUCOSE INCREASED'], 2],
];

export interface PharmaFiles {
  dm: string;
  ae: string;
  subjects: number;
}

/** A synthetic trial: `subjects` rows of DM and their adverse events, as CSV (quoted text, `NA` for missing, like the CDISC pilot's files). */
export function writePharmaData(dir: string, subjects = 300, seed = 20260101): PharmaFiles {
  const r = random(seed);
  const dm = ['"STUDYID","DOMAIN","USUBJID","SUBJID","RFSTDTC","SITEID","BRTHDTC","AGE","AGEU","SEX","RACE","ETHNIC","ARMCD","ARM","COUNTRY"'];
  const ae = ['"STUDYID","DOMAIN","USUBJID","AESEQ","AETERM","AEDECOD","AEBODSYS","AESEV","AESER","AESTDTC"'];
  const bySite = new Map<string, number>();
  for (let i = 0; i < subjects; i++) {
    const site = weighted(r, SITES);
    const n = (bySite.get(site) ?? 1000) + int(r, 1, 9);
    bySite.set(site, n);
    const usubjid = `SYN-${site}-${n}`;
    const start = Date.UTC(2012, 0, 1) + int(r, 0, 900) * 86_400_000;
    const age = Math.min(89, Math.max(51, Math.round(75 + (r() + r() + r() - 1.5) * 12)));
    const birth = start - age * 365.25 * 86_400_000 - int(r, 0, 364) * 86_400_000;
    const [armcd, arm] = pick(r, ARMS);
    const sex = r() < 0.56 ? 'F' : 'M';
    const ethnic = r() < 0.06 ? 'HISPANIC OR LATINO' : 'NOT HISPANIC OR LATINO';
    dm.push([q('SYNPILOT01'), q('DM'), q(usubjid), q(String(n)), q(isoDate(start)), q(site), q(isoDate(birth)), age, q('YEARS'), q(sex), q(weighted(r, RACES)), q(ethnic), q(armcd), q(arm), q('USA')].join(','));
    // Active arms have more skin and site reactions, as xanomeline patches did in the pilot.
    const events = int(r, 0, armcd === 'Pbo' ? 5 : 9);
    for (let e = 1; e <= events; e++) {
      const [bodsys, terms] = weighted(r, AE_TERMS.map(([b, t, w]) => [[b, t] as const, w] as const));
      const term = pick(r, terms);
      const serious = r() < (bodsys === 'CARDIAC DISORDERS' ? 0.15 : 0.01) ? 'Y' : 'N';
      const severity = serious === 'Y' ? 'SEVERE' : weighted(r, [['MILD', 60], ['MODERATE', 32], ['SEVERE', 8]]);
      ae.push([q('SYNPILOT01'), q('AE'), q(usubjid), e, q(term), q(term), q(bodsys), q(severity), q(serious), q(isoDate(start + int(r, 1, 180) * 86_400_000))].join(','));
    }
  }
  const files = { dm: join(dir, 'dm.csv'), ae: join(dir, 'ae.csv'), subjects };
  writeFileSync(files.dm, dm.join('\n') + '\n');
  writeFileSync(files.ae, ae.join('\n') + '\n');
  return files;
}

// ---- vehicle telemetry -------------------------------------------------------------------------

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

/** A VIN with its ISO 3779 check digit in position 9 (the one the detector and the tokeniser check). */
export function vinWithCheckDigit(vin17: string): string {
  return vin17.slice(0, 8) + vinCheckDigit(vin17) + vin17.slice(9);
}

function vin(r: Rng): string {
  const body = pick(r, ['LSV', 'LFV', 'LGB', 'LVS']) + Array.from({ length: 5 }, () => char(r, VIN_CHARS)).join('') + '0' + pick(r, ['N', 'P', 'R']) + pick(r, ['A', 'B', 'C', '1', '2']) + String(int(r, 100000, 999999));
  return vinWithCheckDigit(body);
}

const PLATE_LETTERS = 'ABCDEFGHJKLMNPQ';
function plate(r: Rng): string {
  const tail = Array.from({ length: 5 }, (_, i) => (i > 0 && r() < 0.2 ? char(r, 'ABCDEFGHJKLMNPQRSTUVWXYZ') : String(int(r, 0, 9)))).join('');
  // One in four is a new-energy plate: D (battery) or F (hybrid) and five digits.
  return r() < 0.25 ? `京${char(r, PLATE_LETTERS)}${pick(r, ['D', 'F'])}${String(int(r, 10000, 99999))}` : `京${char(r, PLATE_LETTERS)}${tail}`;
}
const mobile = (r: Rng) => `1${pick(r, ['35', '38', '39', '58', '86', '89'])}${String(int(r, 10000000, 99999999))}`;

export interface TelemetryFiles {
  path: string;
  vehicles: number;
  rows: number;
}

/** The columns of the synthetic telemetry, with the types its reader should give them. */
export const TELEMETRY_SCHEMA = [
  { name: 'vin', type: 'utf8' }, { name: 'plate', type: 'utf8' }, { name: 'tracked_at', type: 'timestamp[ms]' },
  { name: 'latitude', type: 'float64' }, { name: 'longitude', type: 'float64' }, { name: 'speed_kmh', type: 'float64' },
  { name: 'heading_deg', type: 'float64' }, { name: 'note', type: 'utf8' },
] as const;

/**
 * `vehicles` vehicles, each driving `trips` trips of 8-15 minutes from its home near a point of
 * Beijing (fixes every 5 s, a few hours apart), as CSV.
 */
export function writeTelemetryData(dir: string, vehicles = 8, trips = 3, seed = 20260202): TelemetryFiles {
  const r = random(seed);
  const lines = [TELEMETRY_SCHEMA.map((c) => c.name).join(',')];
  const day0 = Date.UTC(2026, 2, 2, 0, 0, 0);
  for (let v = 0; v < vehicles; v++) {
    const id = vin(r);
    const plateNo = plate(r);
    const phone = mobile(r);
    const home = { lat: 39.9 + (r() - 0.5) * 0.2, lon: 116.4 + (r() - 0.5) * 0.3 };
    for (let t = 0; t < trips; t++) {
      let time = day0 + (t * 5 + int(r, 0, 2)) * 3_600_000 + int(r, 0, 3599) * 1000;
      let { lat, lon } = home;
      let heading = r() * 360;
      const fixes = int(r, 96, 180);
      for (let i = 0; i < fixes; i++) {
        const speed = Math.max(0, 38 + (r() - 0.5) * 30);
        heading = (heading + (r() - 0.5) * 40 + 360) % 360;
        const metres = (speed / 3.6) * 5;
        lat += (metres * Math.cos((heading * Math.PI) / 180)) / 111_320;
        lon += (metres * Math.sin((heading * Math.PI) / 180)) / (111_320 * Math.cos((lat * Math.PI) / 180));
        const roll = r();
        const note = roll < 0.01 ? `driver ${phone} reported a warning light` : roll < 0.02 ? `followed by ${plate(r)} for 2 km` : roll < 0.025 ? `service booked for ${id}` : '';
        lines.push([id, plateNo, new Date(time).toISOString(), lat.toFixed(6), lon.toFixed(6), speed.toFixed(1), heading.toFixed(0), note].join(','));
        time += 5000;
      }
    }
  }
  const path = join(dir, 'telemetry.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, vehicles, rows: lines.length - 1 };
}
