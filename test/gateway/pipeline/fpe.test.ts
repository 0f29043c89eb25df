// Format-preserving tokens (gateway/pipeline/detect/fpe.ts). A token is checked with the
// detector's own check-character helpers and with the detector itself, on thousands of
// generated identifiers; injectivity is checked on dense samples (inputs that differ in a few
// characters only, sharing every kept part).
import t from 'tap';
import { detectIdentifiers, residentIdCheckChar, usccCheckChar, vinCheckDigit } from '../../../gateway/pipeline/detect/index.js';
import { FormatTokenizer, orgCodeCheckChar, tokenizeResidentId, tokenizeUscc, tokenizeVin } from '../../../gateway/pipeline/detect/fpe.js';
import { seededInts } from '../../../benchmarks/seeded.js';
import { thrown } from '../../helpers.js';

const KEY = new Uint8Array(32).fill(1);
const OTHER_KEY = new Uint8Array(32).fill(2);
const SAMPLES = 3000;


const pick = (rnd: (n: number) => number, chars: string): string => chars[rnd(chars.length)]!;
const digits = (rnd: (n: number) => number, n: number): string => Array.from({ length: n }, () => pick(rnd, '0123456789')).join('');

// GB/T 2260 province codes, as the detector knows them.
const PROVINCES = ['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '91'];

function residentIds(seed: number, n: number): string[] {
  const rnd = seededInts(seed);
  const from = Date.UTC(1900, 0, 1);
  const days = (Date.UTC(2025, 11, 31) - from) / 86_400_000;
  return Array.from({ length: n }, () => {
    const birth = new Date(from + rnd(days + 1) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = PROVINCES[rnd(PROVINCES.length)]! + digits(rnd, 4) + birth + digits(rnd, 3);
    return first17 + residentIdCheckChar(first17);
  });
}

const VIN_CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const WMIS = ['LSG', 'LFV', 'LVS', 'WVW', '1M8', 'JHM', 'LGX'];

function vins(seed: number, n: number): string[] {
  const rnd = seededInts(seed);
  return Array.from({ length: n }, () => {
    const vds = Array.from({ length: 5 }, () => pick(rnd, VIN_CHARS)).join('');
    const vis = pick(rnd, YEAR_CODES) + pick(rnd, VIN_CHARS) + (rnd(2) === 0 ? digits(rnd, 6) : Array.from({ length: 6 }, () => pick(rnd, VIN_CHARS)).join(''));
    const template = `${WMIS[rnd(WMIS.length)]}${vds}0${vis}`;
    return template.slice(0, 8) + vinCheckDigit(template) + template.slice(9);
  });
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

function usccs(seed: number, n: number): string[] {
  const rnd = seededInts(seed);
  return Array.from({ length: n }, () => {
    const head = pick(rnd, '123456789ANY') + pick(rnd, '123456789') + digits(rnd, 6);
    const body = rnd(2) === 0 ? digits(rnd, 8) : Array.from({ length: 8 }, () => pick(rnd, USCC_CHARS)).join('');
    // One in five with an organisation code check character that may be wrong.
    const first17 = head + body + (rnd(5) === 0 ? pick(rnd, USCC_CHARS) : orgCodeCheckChar(body));
    return first17 + usccCheckChar(first17);
  });
}

/** Whether the detector finds exactly one span, of `type`, covering all of `text`. */
const detectedAs = (text: string, type: string, today?: Date): boolean => {
  const spans = detectIdentifiers(text, today ? { today } : {});
  return spans.length === 1 && spans[0]!.type === type && spans[0]!.start === 0 && spans[0]!.end === text.length;
};

const classes = (s: string): string => s.replace(/[0-9]/g, 'd').replace(/[A-Z]/g, 'l');
const END_OF_TIME = new Date(Date.UTC(9999, 11, 31));

t.test('orgCodeCheckChar reproduces published organisation codes (GB 11714-1997)', async (t) => {
  t.equal(orgCodeCheckChar('19220382'), '1', 'Huawei Technologies, 19220382-1');
  t.equal(orgCodeCheckChar('71526726'), 'X', 'Tencent, 71526726-X (10 is written X)');
  t.equal(orgCodeCheckChar('79965505'), '8', 'Alibaba (China), 79965505-8');
});

t.test('resident ID tokens keep province and birth year, carry a real date and a valid check character, and the detector accepts them', async (t) => {
  const tokenizer = new FormatTokenizer(KEY);
  let bad = 0;
  for (const id of residentIds(1, SAMPLES)) {
    const token = tokenizer.residentId(id)!;
    const ok = token.length === 18 && token !== id
      && token.slice(0, 2) === id.slice(0, 2) && token.slice(6, 10) === id.slice(6, 10)
      && residentIdCheckChar(token.slice(0, 17)) === token[17]
      && detectedAs(token, 'cn_resident_id');
    if (!ok && bad++ < 3) t.fail(`${id} -> ${token}`);
  }
  t.equal(bad, 0);
});

t.test('VIN tokens keep WMI, model year and each position\'s class, carry a valid check digit, and the detector accepts them', async (t) => {
  const tokenizer = new FormatTokenizer(KEY);
  let bad = 0;
  for (const vin of vins(2, SAMPLES)) {
    const token = tokenizer.vin(vin)!;
    const ok = token.length === 17 && token !== vin
      && token.slice(0, 3) === vin.slice(0, 3) && token[9] === vin[9]
      && classes(token.slice(0, 8) + token.slice(9)) === classes(vin.slice(0, 8) + vin.slice(9))
      && !/[IOQ]/.test(token) && vinCheckDigit(token) === token[8]
      && detectedAs(token, 'vin');
    if (!ok && bad++ < 3) t.fail(`${vin} -> ${token}`);
  }
  t.equal(bad, 0);
});

t.test('credit code tokens keep positions 1-8, carry valid GB 11714 and GB 32100 check characters, and the detector accepts them', async (t) => {
  const tokenizer = new FormatTokenizer(KEY);
  let bad = 0;
  let tested = 0;
  for (const code of usccs(3, SAMPLES)) {
    // A code that the detector reads as a resident ID (all digits, province, date, MOD 11-2) is not a credit code to it.
    if (!detectedAs(code, 'cn_uscc', END_OF_TIME)) continue;
    tested++;
    const token = tokenizer.uscc(code)!;
    const orgRight = (s: string) => orgCodeCheckChar(s.slice(8, 16)) === s[16];
    const ok = token.length === 18 && token !== code && token.slice(0, 8) === code.slice(0, 8)
      && usccCheckChar(token.slice(0, 17)) === token[17] && orgRight(token) === orgRight(code)
      && detectedAs(token, 'cn_uscc') && detectedAs(token, 'cn_uscc', END_OF_TIME);
    if (!ok && bad++ < 3) t.fail(`${code} -> ${token}`);
  }
  t.ok(tested > SAMPLES * 0.9, `${tested} codes tested`);
  t.equal(bad, 0);
});

t.test('a credit code whose organisation code check is right keeps it right, one whose check is wrong keeps it wrong', async (t) => {
  const right = tokenizeUscc(KEY, '914403001922038216');
  t.equal(orgCodeCheckChar(right.slice(8, 16)), right[16]);
  const first17 = '91440300192203820';
  const wrongCheck = first17 + usccCheckChar(first17);
  const wrong = tokenizeUscc(KEY, wrongCheck);
  t.not(orgCodeCheckChar(wrong.slice(8, 16)), wrong[16]);
  t.equal(usccCheckChar(wrong.slice(0, 17)), wrong[17]);
});

t.test('a credit code that also reads as a resident ID gets a token that does too', async (t) => {
  // Search a code of that kind: '11' (a province) then the division code 010119, so that
  // digits 7-14 read 19yymmdd, until the GB 32100 check character is the MOD 11-2 one too.
  const rnd = seededInts(4);
  let code: string | undefined;
  while (code === undefined) {
    const body = digits(rnd, 2) + String(1 + rnd(12)).padStart(2, '0') + String(1 + rnd(28)).padStart(2, '0') + digits(rnd, 2);
    const first17 = `11010119${body}${orgCodeCheckChar(body)}`;
    const full = first17 + usccCheckChar(first17);
    if (detectedAs(full, 'cn_resident_id', END_OF_TIME)) code = full;
  }
  const token = tokenizeUscc(KEY, code);
  t.ok(detectedAs(token, 'cn_resident_id', END_OF_TIME), `${code} -> ${token}`);
  t.equal(usccCheckChar(token.slice(0, 17)), token[17]);
});

t.test('tokens are injective: 36,500 resident IDs of one province, year and area give 36,500 tokens', async (t) => {
  const tokenizer = new FormatTokenizer(KEY);
  const tokens = new Set<string>();
  for (let day = 0; day < 365; day++) {
    const date = new Date(Date.UTC(1990, 0, 1 + day)).toISOString().slice(0, 10).replaceAll('-', '');
    for (let seq = 0; seq < 100; seq++) {
      const first17 = `110105${date}${String(seq).padStart(3, '0')}`;
      tokens.add(tokenizer.residentId(first17 + residentIdCheckChar(first17))!);
    }
  }
  t.equal(tokens.size, 36_500);
});

t.test('tokens are injective: 20,000 VINs and 20,000 credit codes differing only in their serial give distinct tokens', async (t) => {
  const tokenizer = new FormatTokenizer(KEY);
  const vinTokens = new Set<string>();
  const usccTokens = new Set<string>();
  for (let serial = 0; serial < 20_000; serial++) {
    const template = `LSGJA52U0GH${String(serial).padStart(6, '0')}`;
    vinTokens.add(tokenizer.vin(template.slice(0, 8) + vinCheckDigit(template) + template.slice(9))!);
    const body = `MA${String(serial).padStart(6, '0')}`;
    const first17 = `91110108${body}${orgCodeCheckChar(body)}`;
    usccTokens.add(tokenizer.uscc(first17 + usccCheckChar(first17))!);
  }
  t.equal(vinTokens.size, 20_000);
  t.equal(usccTokens.size, 20_000);
});

t.test('tokens are deterministic per key and differ across keys', async (t) => {
  const id = '11010519491231002X';
  const vin = '1M8GDM9AXKP042788';
  const code = '914403001922038216';
  t.equal(tokenizeResidentId(KEY, id), tokenizeResidentId(KEY, id));
  t.equal(tokenizeVin(KEY, vin), new FormatTokenizer(KEY, { hmacBackend: 'node' }).vin(vin), 'both HMAC backends agree');
  t.equal(tokenizeUscc(KEY, code), tokenizeUscc(new Uint8Array(KEY), code));
  t.not(tokenizeResidentId(KEY, id), tokenizeResidentId(OTHER_KEY, id));
  t.not(tokenizeVin(KEY, vin), tokenizeVin(OTHER_KEY, vin));
  t.not(tokenizeUscc(KEY, code), tokenizeUscc(OTHER_KEY, code));
});

t.test('known answers under a fixed key, so a change of the construction shows (no published vectors exist for it)', async (t) => {
  t.equal(tokenizeResidentId(KEY, '11010519491231002X'), '114431194909176416');
  t.equal(tokenizeVin(KEY, '1M8GDM9AXKP042788'), '1M8HJH1N6KE897633');
  t.equal(tokenizeUscc(KEY, '914403001922038216'), '91440300926952929B');
});

t.test('a lower-case x check character is the same id as upper-case X', async (t) => {
  t.equal(tokenizeResidentId(KEY, '11010519491231002x'), tokenizeResidentId(KEY, '11010519491231002X'));
});

t.test('a value that is not a valid identifier is refused with DP_ERR_VALIDATION, without echoing it', async (t) => {
  const cases: [() => unknown, string][] = [
    [() => tokenizeResidentId(KEY, '110105194912310021'), 'wrong MOD 11-2 check character'],
    [() => tokenizeResidentId(KEY, '11010519491231002X', { today: new Date('1949-12-30T00:00:00Z') }), 'born after today'],
    [() => tokenizeResidentId(KEY, '1101051949123100'), 'too short'],
    [() => tokenizeVin(KEY, '1M8GDM9A1KP042788'), 'wrong check digit'],
    [() => tokenizeVin(KEY, '1M8GDM9AXKP04278O'), 'letter O'],
    [() => tokenizeUscc(KEY, '914403001922038217'), 'wrong GB 32100 check character'],
  ];
  for (const [fn, why] of cases) {
    const e = thrown(fn);
    t.equal(e.code, 'DP_ERR_VALIDATION', why);
    t.notMatch(e.message, /[0-9]{8}/, `${why}: the value is not in the message`);
  }
  t.match(thrown(() => tokenizeVin(KEY, '1M8GDM9A1KP042788')).message, 'a value of 17 characters is not a valid VIN');
});

t.test('a key shorter than 16 bytes or a non-string value is DP_ERR_INVALID_ARGUMENT', async (t) => {
  t.same(thrown(() => tokenizeVin(new Uint8Array(8), '1M8GDM9AXKP042788')), { code: 'DP_ERR_INVALID_ARGUMENT', message: 'Invalid argument: key has 8 bytes, want at least 16' });
  t.equal(thrown(() => tokenizeVin(KEY, 17 as unknown as string)).code, 'DP_ERR_INVALID_ARGUMENT');
});
