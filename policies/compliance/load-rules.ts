// loadRules: a rule set read from a directory laid out as rules/ is (rules.json,
// automotive-important.json, negative-lists/<id>.json), so that an operator can load a corrected
// list without a release. The one part of the compliance engine that touches the file system.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataportError } from '../../crypto/errors.js';
import { AUTOMOTIVE_FILE, checkedRuleSet, NEGATIVE_LISTS_DIR, RULES_FILE } from './rule-set.js';
import type { RuleSet } from './types.js';

/** The rule set in `dir`; throws DP_ERR_VALIDATION naming the file and what is wrong with it. */
export function loadRules(dir: string | URL): RuleSet {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const listDir = join(root, NEGATIVE_LISTS_DIR);
  let names: string[];
  try {
    names = readdirSync(listDir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    throw unreadable(`${NEGATIVE_LISTS_DIR}/`, root, e);
  }
  const lists = new Map(names.map((n) => [n, readJson(root, `${NEGATIVE_LISTS_DIR}/${n}`)]));
  return checkedRuleSet(readJson(root, RULES_FILE), readJson(root, AUTOMOTIVE_FILE), lists);
}

function readJson(root: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (e) {
    throw unreadable(file, root, e);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataportError('DP_ERR_VALIDATION', `rule file ${file}: not JSON: ${(e as Error).message}`, { file });
  }
}

function unreadable(file: string, root: string, e: unknown): DataportError {
  const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new DataportError('DP_ERR_VALIDATION', `rule file ${file}: cannot be read in ${root} (${why})`, { file });
}
