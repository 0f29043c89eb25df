// Motor-vehicle number plates of the PRC, GA 36-2018.
import { scan, type IdentifierSpan } from './span.js';

// GA 36-2018: the province abbreviation, the issuing authority letter (A-Z without I and O),
// an optional separator dot, then the serial. Serial letters never include I or O.
//  - new-energy small vehicles: D or F, a letter or digit, 4 digits;
//  - new-energy large vehicles: 5 digits, then D or F;
//  - police, driving-school, trailer, Hong Kong / Macao plates: 4 characters + 警/学/挂/港/澳;
//  - ordinary: 5 letters or digits.
// Alternatives are tried longest first; the serial must not run on into a letter or digit.
const PROVINCE = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const S = '[0-9A-HJ-NP-Z]';
const PATTERN = new RegExp(
  `[${PROVINCE}][A-HJ-NP-Z][·• ]?(?:[DF]${S}[0-9]{4}|[0-9]{5}[DF]|${S}{4}[警学挂港澳]|${S}{5})(?![0-9A-Za-z])`,
  'g',
);

export function detectPlates(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'cn_plate', () => true);
}
