import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RULES } from '../../../server/src/analysis/rules';
import { EMPTY_FILE_SYSTEM } from '../../../server/src/service/fileSystem';
import { LanguageService } from '../../../server/src/service/languageService';

/** Every ```nginx / ```haproxy block under a "## Bad…" or "## Fixed…" heading of a rule page. */
function examples(markdown: string): Array<{ kind: 'bad' | 'fixed'; lang: string; code: string; heading: string }> {
  const out: Array<{ kind: 'bad' | 'fixed'; lang: string; code: string; heading: string }> = [];
  let heading = '';
  const re = /^## (.*)$|^```(nginx|haproxy)\n([\s\S]*?)^```$/gm;
  for (let m; (m = re.exec(markdown)); ) {
    if (m[1] !== undefined) heading = m[1];
    else if (/^bad/i.test(heading) || /^fixed/i.test(heading)) out.push({ kind: /^bad/i.test(heading) ? 'bad' : 'fixed', lang: m[2], code: m[3], heading });
  }
  return out;
}

const service = new LanguageService({ fileSystem: EMPTY_FILE_SYSTEM, roots: () => [] });

for (const rule of RULES) {
  test(`${rule.meta.id} docs: the rule fires on every Bad example and on no Fixed example`, () => {
    const page = readFileSync(resolve(__dirname, '../../../docs/rules', `${rule.meta.id}.md`), 'utf8');
    const blocks = examples(page);
    assert.ok(blocks.some((b) => b.kind === 'bad') && blocks.some((b) => b.kind === 'fixed'), 'has Bad and Fixed examples');
    for (const [i, b] of blocks.entries()) {
      const a = service.analyze({ uri: `file:///docs/${rule.meta.id}-${i}.${b.lang === 'nginx' ? 'conf' : 'cfg'}`, text: b.code, languageId: b.lang });
      assert.ok(a, `${b.heading} is analysed`);
      const fired = a.diagnostics.filter((d) => d.ruleId === rule.meta.id);
      if (b.kind === 'bad') assert.ok(fired.length > 0, `${rule.meta.id} fires on "${b.heading}"; got ${a.diagnostics.map((d) => d.ruleId)}`);
      else assert.deepEqual(fired.map((d) => d.message), [], `${rule.meta.id} is quiet on "${b.heading}"`);
    }
  });
}
