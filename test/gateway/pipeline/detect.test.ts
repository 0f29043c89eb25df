// Identifier detection in free text. Check characters are recomputed here from the standards'
// own formulas (not from the module under test), so a valid example is valid by construction.
import t from 'tap';
import { detectIdentifiers } from '../../../gateway/pipeline/detect/index.js';
import { thrown } from '../../helpers.js';

const TODAY = new Date('2026-01-01T00:00:00Z');
const detect = (text: string) => detectIdentifiers(text, { today: TODAY });

/** GB 11643-1999 7.2: ISO 7064 MOD 11-2 over the first 17 digits. */
function withResidentCheck(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i]!, 0);
  const check = (12 - (sum % 11)) % 11;
  return first17 + (check === 10 ? 'X' : String(check));
}

/** GB 32100-2015 Annex B. */
function withUsccCheck(first17: string): string {
  const set = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + set.indexOf(c) * w[i]!, 0);
  return first17 + set[(31 - (sum % 31)) % 31];
}

/** ISO 3779 / 49 CFR 565.15: fills the '?' at position 9 with the check digit. */
function withVinCheck(template: string): string {
  const value = (c: string) => /[0-9]/.test(c) ? Number(c) : { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 }[c]!;
  const w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  const sum = [...template].reduce((s, c, i) => s + (c === '?' ? 0 : value(c) * w[i]!), 0);
  return template.replace('?', sum % 11 === 10 ? 'X' : String(sum % 11));
}

/** ISO/IEC 7812-1 Annex B. */
function luhn(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    const d = Number(c) * (i % 2 === 1 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  });
  return sum % 10 === 0;
}

const span = (type: string, start: number, text: string) => ({ type, start, end: start + text.length });

t.test('the check-digit helpers reproduce the published examples', async (t) => {
  t.equal(withResidentCheck('11010519491231002'), '11010519491231002X', 'GB 11643-1999 sample');
  t.equal(withVinCheck('1M8GDM9A?KP042788'), '1M8GDM9AXKP042788', 'ISO 3779 / 49 CFR 565 example');
  t.ok(luhn('4111111111111111'));
  t.notOk(luhn('4111111111111112'));
});

t.test('cn_resident_id: the GB 11643-1999 sample, upper- and lower-case X', async (t) => {
  t.same(detect('11010519491231002X'), [span('cn_resident_id', 0, '11010519491231002X')]);
  t.same(detect('身份证号11010519491231002x。'), [span('cn_resident_id', 4, '11010519491231002x')]);
});

t.test('cn_resident_id: a wrong check character is not flagged', async (t) => {
  t.same(detect('110105194912310021'), []);
  t.same(detect('110105194912310028'), []);
});

t.test('cn_resident_id: an impossible birth date (1999-02-30) is not flagged', async (t) => {
  const id = withResidentCheck('11010519990230001');
  t.same(detect(id), []);
  t.same(detect(withResidentCheck('11010520000229001')), [span('cn_resident_id', 0, '110105200002290019')], 'leap day 2000 is real');
});

t.test('cn_resident_id: birth dates before 1900 or after today are not flagged', async (t) => {
  t.same(detect(withResidentCheck('11010518991231001')), []);
  t.same(detect(withResidentCheck('11010520260102001')), [], 'the day after TODAY');
  t.equal(detect(withResidentCheck('11010520260101001'))[0]?.type, 'cn_resident_id', 'TODAY itself');
});

t.test('cn_resident_id: an unknown province code is not flagged', async (t) => {
  t.same(detect(withResidentCheck('99010519491231002')), []);
  t.same(detect(withResidentCheck('24010519491231002')), []);
});

t.test('cn_resident_id: digits inside a longer run or token are not an id', async (t) => {
  const id = withResidentCheck('11010519800101100');
  t.equal(id, '110105198001011000');
  t.same(detect(id), [span('cn_resident_id', 0, id)]);
  t.same(detect(`7${id}`), []);
  t.same(detect(`${id}5`), []);
  t.same(detect(`A${id}`), []);
});

t.test('cn_resident_id wins over bank_card for the same 18 digits', async (t) => {
  const id = '440305199001011352';
  t.equal(withResidentCheck(id.slice(0, 17)), id);
  t.ok(luhn(id), 'the id also passes Luhn');
  t.same(detect(id), [span('cn_resident_id', 0, id)]);
});

t.test('cn_mobile: bare, prefixed and 3-4-4 grouped numbers', async (t) => {
  t.same(detect('13812345678'), [span('cn_mobile', 0, '13812345678')]);
  t.same(detect('电话：+86 138 1234 5678'), [span('cn_mobile', 3, '+86 138 1234 5678')]);
  t.same(detect('0086-199-1234-5678'), [span('cn_mobile', 0, '0086-199-1234-5678')]);
  t.same(detect('8615912345678'), [span('cn_mobile', 0, '8615912345678')]);
});

t.test('cn_mobile: 10- and 12-digit runs, 12x prefixes and mixed separators are not flagged', async (t) => {
  t.same(detect('1381234567'), []);
  t.same(detect('138123456789'), []);
  t.same(detect('12812345678'), []);
  t.same(detect('138 1234-5678'), []);
});

t.test('cn_plate: ordinary, new-energy and suffixed plates', async (t) => {
  t.same(detect('京A12345'), [span('cn_plate', 0, '京A12345')]);
  t.same(detect('车牌粤B·D12345号'), [span('cn_plate', 2, '粤B·D12345')]);
  t.same(detect('沪A 12345F'), [span('cn_plate', 0, '沪A 12345F')]);
  t.same(detect('苏E•AB123'), [span('cn_plate', 0, '苏E•AB123')]);
  t.same(detect('粤B1234学'), [span('cn_plate', 0, '粤B1234学')]);
  t.same(detect('京A0001警'), [span('cn_plate', 0, '京A0001警')]);
});

t.test('cn_plate: I/O letters, six plain digits and unknown provinces are not flagged', async (t) => {
  t.same(detect('京I12345'), []);
  t.same(detect('京A12O45'), []);
  t.same(detect('京A1I345'), []);
  t.same(detect('京A123456'), []);
  t.same(detect('港A12345'), []);
});

t.test('vin: the standard example and a Chinese-style VIN', async (t) => {
  t.same(detect('VIN: 1M8GDM9AXKP042788.'), [span('vin', 5, '1M8GDM9AXKP042788')]);
  const vin = withVinCheck('LSVAM418?C2184847');
  t.same(detect(vin), [span('vin', 0, vin)]);
});

t.test('vin: a wrong check digit is not flagged', async (t) => {
  t.same(detect('1M8GDM9A1KP042788'), []);
});

t.test('vin: I, O or Q is not flagged even where the old table would balance the sum', async (t) => {
  // In the old A-I/J-R/S-Z reading R and I are both 9, so the I version still balances the
  // check digit computed for R: only the alphabet rule can reject it.
  const vin = withVinCheck('LSVRM418?C2184847');
  t.same(detect(vin), [span('vin', 0, vin)]);
  t.same(detect(vin.replace('R', 'I')), []);
  t.same(detect(vin.replace('R', 'O')), []);
  t.same(detect(vin.replace('R', 'Q')), []);
});

t.test('cn_uscc: a code with its GB 32100-2015 check character', async (t) => {
  const code = withUsccCheck('91350100M000100Y4');
  t.equal(code, '91350100M000100Y43');
  t.same(detect(`统一社会信用代码：${code}`), [span('cn_uscc', 9, code)]);
});

t.test('cn_uscc: a wrong check character or an S/V/Z character is not flagged', async (t) => {
  t.same(detect('91350100M000100Y44'), []);
  t.same(detect(withUsccCheck('91350100M000100Y4').replace('M', 'S')), []);
});

t.test('bank_card: Luhn-valid 16 and 19 digit numbers, plain and grouped', async (t) => {
  t.ok(luhn('6222021234567894'));
  t.ok(luhn('6212345678901234569'));
  t.same(detect('卡号6222021234567894'), [span('bank_card', 2, '6222021234567894')]);
  t.same(detect('4111-1111-1111-1111'), [span('bank_card', 0, '4111-1111-1111-1111')]);
  t.same(detect('6212 3456 7890 1234 569'), [span('bank_card', 0, '6212 3456 7890 1234 569')]);
  t.same(detect('6212345678901234569'), [span('bank_card', 0, '6212345678901234569')]);
});

t.test('bank_card: a Luhn failure, a non-card first digit or a slice of a longer run is not flagged', async (t) => {
  t.notOk(luhn('6222021234567890'));
  t.same(detect('6222021234567890'), []);
  const other = '1222021234567890';
  const check = [...'0123456789'].map((d) => other.slice(0, 15) + d).find(luhn)!;
  t.same(detect(check), [], `${check} passes Luhn but starts with 1`);
  t.same(detect('96222021234567894'), []);
  t.same(detect('62220212345678941234'), []);
  t.same(detect('1234 6222 0212 3456 7894'), [], 'four groups inside five');
});

t.test('bank_card: an unbroken run after a lone digit and a space is still a card', async (t) => {
  t.same(detect('No. 1 6222021234567894'), [span('bank_card', 6, '6222021234567894')]);
});

t.test('cn_passport: E + 8 digits, E + letter + 7 digits, G + 8 digits', async (t) => {
  t.same(detect('护照E12345678'), [span('cn_passport', 2, 'E12345678')]);
  t.same(detect('EA1234567'), [span('cn_passport', 0, 'EA1234567')]);
  t.same(detect('G12345678'), [span('cn_passport', 0, 'G12345678')]);
});

t.test('cn_passport: longer tokens and short runs are not flagged', async (t) => {
  t.same(detect('E123456789'), []);
  t.same(detect('XE12345678'), []);
  t.same(detect('E1234567'), []);
  t.same(detect('P12345678'), []);
});

t.test('email: addresses in prose, without the closing period', async (t) => {
  t.same(detect('请联系 zhang.san+cn@example.com.cn.'), [span('email', 4, 'zhang.san+cn@example.com.cn')]);
  t.same(detect('<a@b.co>'), [span('email', 1, 'a@b.co')]);
  t.same(detect('a@localhost and @example.com and a@b'), []);
});

t.test('an e-mail address whose local part is a mobile number is one email span', async (t) => {
  t.same(detect('13812345678@qq.com'), [span('email', 0, '13812345678@qq.com')]);
});

t.test('mixed Chinese text: spans sorted, offsets in UTF-16 units after an emoji', async (t) => {
  const text = '😀患者张三，身份证11010519491231002X，手机+86 138-1234-5678，车牌京A·D12345，邮箱zs@example.cn；VIN 1M8GDM9AXKP042788。';
  const spans = detect(text);
  t.same(spans, [
    { type: 'cn_resident_id', start: 10, end: 28 },
    { type: 'cn_mobile', start: 31, end: 48 },
    { type: 'cn_plate', start: 51, end: 60 },
    { type: 'email', start: 63, end: 76 },
    { type: 'vin', start: 81, end: 98 },
  ]);
  t.same(spans.map((s) => text.slice(s.start, s.end)), [
    '11010519491231002X', '+86 138-1234-5678', '京A·D12345', 'zs@example.cn', '1M8GDM9AXKP042788',
  ]);
});

t.test('text without identifiers gives no spans', async (t) => {
  t.same(detect(''), []);
  t.same(detect('订单号 2024 共 3 件，金额 1234567.89 元'), []);
});

t.test('a non-string text or an invalid today is rejected with DP_ERR_INVALID_ARGUMENT', async (t) => {
  t.same(thrown(() => detectIdentifiers(42 as unknown as string)), {
    code: 'DP_ERR_INVALID_ARGUMENT', message: 'Invalid argument: text must be a string, got number',
  });
  t.equal(thrown(() => detectIdentifiers('x', { today: new Date(Number.NaN) })).code, 'DP_ERR_INVALID_ARGUMENT');
});
