import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv-draft-04';
import { REPO } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');
/** The SARIF 2.1.0 JSON schema (rtm.5), as shipped in the npm package @microsoft/jest-sarif (MIT). */
const SCHEMA = JSON.parse(readFileSync(resolve(REPO, 'test/fixtures/sarif-2.1.0.schema.json'), 'utf8'));

function sarif(args: string[], cwd = REPO): any {
  const r = spawnSync(process.execPath, [CLI, 'check', ...args, '--format', 'sarif'], { cwd, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  // The schema's formats, checked loosely (ajv-formats is not needed for these three).
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S*$/i);
  ajv.addFormat('uri-reference', /^\S*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv.compile<any>(SCHEMA);
}

test('check --format sarif validates against the SARIF 2.1.0 JSON schema', () => {
  const validate = validator();
  const log = sarif(['examples']);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  assert.ok(log.runs[0].results.length > 0);
  // The schema catches a broken log (sanity check of the validator itself).
  const broken = structuredClone(log);
  broken.runs[0].results[0].level = 'fatal';
  assert.equal(validate(broken), false);
});

test('SARIF rule metadata: id, name, short description, help text and help URI for every rule', () => {
  const log = sarif(['examples']);
  const rules = log.runs[0].tool.driver.rules;
  assert.ok(rules.length >= 12);
  for (const r of rules) {
    assert.match(r.id, /^LB\d{3}$/);
    assert.match(r.name, /^[a-z]+(-[a-z]+)*$/);
    assert.ok(r.shortDescription.text.length > 0, r.id);
    assert.ok(r.help.text.length > 0, r.id);
    assert.match(r.helpUri, new RegExp(`docs/rules/${r.id}\\.md$`));
  }
  for (const res of log.runs[0].results) {
    assert.equal(rules[res.ruleIndex].id, res.ruleId);
    assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
    assert.match(res.partialFingerprints['lbLens/v1'], /^[0-9a-f]{32}$/);
  }
});

test('partial fingerprints survive a commit that only moves lines', () => {
  const nginx = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
  const haproxy = readFileSync(resolve(REPO, 'examples/haproxy/haproxy.cfg'), 'utf8');
  const ws = tempWorkspace({ 'conf/nginx.conf': nginx, 'conf/haproxy.cfg': haproxy });
  const prints = () => {
    const log = sarif(['conf'], ws.dir);
    return log.runs[0].results.map((r: any) => ({
      id: `${r.ruleId} ${r.partialFingerprints['lbLens/v1']}`,
      line: r.locations[0].physicalLocation.region.startLine,
    }));
  };
  const before = prints();
  // Comments on top, the two upstreams swapped, a backend moved to the front.
  const swapped = nginx.replace(/( {4}upstream app \{[\s\S]*?\n {4}\}\n)\n( {4}upstream api \{[\s\S]*?\n {4}\}\n)/, '$2\n$1');
  assert.notEqual(swapped, nginx);
  writeFileSync(join(ws.dir, 'conf/nginx.conf'), `# reviewed\n# (moved)\n\n${swapped}`);
  const beOld = /backend be_old\n.*\n/.exec(haproxy)![0];
  writeFileSync(join(ws.dir, 'conf/haproxy.cfg'), `\n\n${haproxy.replace(beOld, '')}\n${beOld}`);
  const after = prints();
  assert.deepEqual(after.map((x: any) => x.id).sort(), before.map((x: any) => x.id).sort());
  assert.notDeepEqual(after.map((x: any) => x.line), before.map((x: any) => x.line));
  assert.equal(new Set(before.map((x: any) => x.id)).size, before.length, 'fingerprints are unique');
});
