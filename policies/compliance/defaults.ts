// The rule set dataport ships: the files of rules/, imported so that they are part of the build
// (dist/policies/compliance/rules/, the same layout loadRules reads). A corrected set is loaded
// from a directory without a release: loadRules(dir).
import automotive from './rules/automotive-important.json' with { type: 'json' };
import beijingCity2026 from './rules/negative-lists/beijing-city-2026.json' with { type: 'json' };
import beijingFtz2024 from './rules/negative-lists/beijing-ftz-2024.json' with { type: 'json' };
import hainanFtz2025 from './rules/negative-lists/hainan-ftz-2025.json' with { type: 'json' };
import shanghaiFtz2025 from './rules/negative-lists/shanghai-ftz-2025.json' with { type: 'json' };
import tianjinFtz2024 from './rules/negative-lists/tianjin-ftz-2024.json' with { type: 'json' };
import national from './rules/rules.json' with { type: 'json' };
import { ruleSet } from './rule-set.js';
import type { AutomotiveRules, NationalRules, NegativeList, RuleSet } from './types.js';

// JSON imports are typed loosely (strings, not the schema's enums): the shipped files are checked
// against the schema by test/policies/compliance/rule-files.test.ts instead of at every start.
const lists = [beijingCity2026, beijingFtz2024, hainanFtz2025, shanghaiFtz2025, tianjinFtz2024] as unknown as NegativeList[];

export const DEFAULT_RULES: RuleSet = ruleSet(national as unknown as NationalRules, automotive as unknown as AutomotiveRules, lists);
