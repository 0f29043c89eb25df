// E-mail addresses: a practical subset of RFC 5322 addr-spec.
import { scan, type IdentifierSpan } from './span.js';

// RFC 5322 3.4.1 addr-spec = local-part "@" domain, with local-part a dot-atom (3.2.3: atext
// runs joined by single dots). The atext characters ' ` { | } are left out, since in prose
// they quote or bracket an address rather than belong to it; quoted local parts and address
// literals are not matched. The domain is RFC 1035 2.3.1 labels (letter/digit ends, inner
// hyphens, at most 63 characters) ending in an alphabetic top-level label.
const ATEXT = "[A-Za-z0-9!#$%&*+/=?^_~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const PATTERN = new RegExp(
  `(?<!${ATEXT})${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`,
  'g',
);

// RFC 5321 4.5.3.1.1 and 4.5.3.1.2: local part at most 64 octets, domain at most 255.
function withinLimits(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at <= 64 && address.length - at - 1 <= 255;
}

export function detectEmails(text: string): IdentifierSpan[] {
  return scan(text, PATTERN, 'email', withinLimits);
}
