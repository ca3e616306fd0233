import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixAll, getCodeActions } from '../../../server/src/service/codeActions';
import { analyzeText, applyEdits } from '../../helpers/edits';
import { checkFix } from './check';

const REPO = resolve(__dirname, '..', '..', '..');
const EXAMPLE = readFileSync(resolve(REPO, 'examples/haproxy/haproxy.cfg'), 'utf8');
const URI = 'file:///w/haproxy.cfg';

const cfg = (frontend: string, backends: string) =>
  `defaults\n    mode http\n    timeout connect 5s\n\nfrontend fe\n    bind *:80\n${frontend}\n${backends}`;

describe('HAProxy quick fixes', () => {
  test('LB101: bring back a disabled server', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check\n    server b 10.0.0.2:80 check disabled  # maintenance\n');
    checkFix({
      uri: URI, text, ruleId: 'LB101', title: /^Bring back b \(remove "disabled"\)$/,
      removed: ['    server b 10.0.0.2:80 check disabled  # maintenance'], added: ['    server b 10.0.0.2:80 check  # maintenance'],
    });
  });

  test('LB101: weight 0 → equal weights', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check weight 10\n    server b 10.0.0.2:80 weight 0 check\n');
    checkFix({
      uri: URI, text, ruleId: 'LB101', title: /equal weight/,
      removed: ['    server a 10.0.0.1:80 check weight 10', '    server b 10.0.0.2:80 weight 0 check'],
      added: ['    server a 10.0.0.1:80 check', '    server b 10.0.0.2:80 check'],
    });
  });

  test('LB102: equal weights (the example)', () => {
    checkFix({
      uri: URI, text: EXAMPLE, ruleId: 'LB102', title: /equal weight/,
      removed: ['    server app1 10.0.0.11:8080 check weight 90', '    server app2 10.0.0.12:8080 check weight 10'],
      added: ['    server app1 10.0.0.11:8080 check', '    server app2 10.0.0.12:8080 check'],
    });
  });

  test('LB104: every server disabled → bring them back', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 disabled check\n    server b 10.0.0.2:80 check disabled\n');
    checkFix({
      uri: URI, text, ruleId: 'LB104', title: /^Bring back a, b/,
      removed: ['    server a 10.0.0.1:80 disabled check', '    server b 10.0.0.2:80 check disabled'],
      added: ['    server a 10.0.0.1:80 check', '    server b 10.0.0.2:80 check'],
    });
  });

  const TYPO = cfg(
    '    acl is_api path_beg /api\n    use_backend be_apii if is_api\n    default_backend be_web\n',
    'backend be_api\n    server a1 10.0.1.1:80 check\n    server a2 10.0.1.2:80 check\n',
  );

  test('LB103: change to the closest defined backend', () => {
    checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', where: (d) => /be_apii/.test(d.message), title: /^Change to "be_api"$/,
      removed: ['    use_backend be_apii if is_api'], added: ['    use_backend be_api if is_api'],
    });
  });

  test('LB103: create the missing backend (appended, in the frontend\'s mode)', () => {
    const text = cfg('    mode http\n    default_backend be_web\n', 'backend be_api\n    server a1 10.0.1.1:80 check\n    server a2 10.0.1.2:80 check\n');
    const { fixed } = checkFix({
      uri: URI, text, ruleId: 'LB103', where: (d) => /be_web/.test(d.message), title: /^Create backend "be_web"$/,
      removed: [],
      added: ['', 'backend be_web', '    mode http', '    server be_web1 127.0.0.1:8080 check  # TODO: the servers of "be_web"'],
    });
    assert.ok(fixed.endsWith('# TODO: the servers of "be_web"\n'), JSON.stringify(fixed));
  });

  test('LB105: remove the duplicate server line', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check\n    server b 10.0.0.2:80 check\n    server c 10.0.0.1:80 check\n');
    checkFix({ uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server c/, removed: ['    server c 10.0.0.1:80 check'], added: [] });
  });

  const SHADOW = cfg(
    '    acl is_api path_beg /api\n    acl is_img path_beg /img\n    # send the rest to the app\n    use_backend be_app\n' +
    '    use_backend be_api if is_api\n    use_backend be_img if is_img\n',
    'backend be_app\n    server a 10.0.0.1:80 check\n    server b 10.0.0.2:80 check\n' +
    'backend be_api\n    server c 10.0.1.1:80 check\n    server d 10.0.1.2:80 check\n' +
    'backend be_img\n    server e 10.0.2.1:80 check\n    server f 10.0.2.2:80 check\n',
  );

  test('LB106: move the unconditional rule after every rule it shadows (with its comment)', () => {
    const { fixed } = checkFix({ uri: URI, text: SHADOW, ruleId: 'LB106', title: /^Move "use_backend be_app" after "use_backend be_img if is_img"$/, removed: [], added: [] });
    const lines = fixed.split('\n');
    const at = (s: string) => lines.indexOf(s);
    assert.ok(at('    use_backend be_img if is_img') < at('    # send the rest to the app'), fixed);
    assert.equal(at('    use_backend be_app'), at('    # send the rest to the app') + 1, fixed);
    const after = analyzeText(URI, fixed);
    assert.ok(!after.diagnostics.some((d) => d.ruleId === 'LB106'), JSON.stringify(after.diagnostics));
  });

  test('LB106: delete the unreachable rule (the example duplicate)', () => {
    checkFix({ uri: URI, text: EXAMPLE, ruleId: 'LB106', title: /^Delete the unreachable/, removed: ['    use_backend be_api  if is_api'], added: [] });
  });

  test('LB107: add "check" to the servers', () => {
    checkFix({
      uri: URI, text: EXAMPLE, ruleId: 'LB107', title: /^Add "check" to the servers of "be_api"$/,
      removed: ['    server api1 10.0.1.21:9000', '    server api2 10.0.1.22:9000'],
      added: ['    server api1 10.0.1.21:9000 check', '    server api2 10.0.1.22:9000 check'],
    });
  });

  test('LB110: remove the unused backend', () => {
    checkFix({
      uri: URI, text: EXAMPLE, ruleId: 'LB110', title: /^Remove the unused backend "be_old"$/,
      removed: ['backend be_old', '    server old1 10.0.9.99:8080 check', ''], added: [],
    });
  });

  test('LB002: a weight above 256 is clamped to 256', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check weight 300\n    server b 10.0.0.2:80 check weight 256\n');
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /256/, removed: ['    server a 10.0.0.1:80 check weight 300'], added: ['    server a 10.0.0.1:80 check weight 256'] });
  });

  test('LB002: a weight that is not an integer becomes what HAProxy reads', () => {
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check weight 10x\n    server b 10.0.0.2:80 check weight 10\n');
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /to 10 /, removed: ['    server a 10.0.0.1:80 check weight 10x'], added: ['    server a 10.0.0.1:80 check weight 10'] });
  });

  test('suppression comment for any rule', () => {
    checkFix({ uri: URI, text: EXAMPLE, ruleId: 'LB108', title: /^Disable LB108/, removed: [], added: ['    # lb-lens-disable-next-line LB108'] });
  });

  test('fix all LB107 in the file: every pool gets checks, other lines untouched', () => {
    const text = cfg(
      '    acl is_api path_beg /api\n    use_backend be_api if is_api\n    default_backend be_app\n',
      'backend be_app\n    server a 10.0.0.1:80\n    server b 10.0.0.2:80\nbackend be_api\n    server c 10.0.1.1:80\n    server d 10.0.1.2:80\n',
    );
    const a = analyzeText(URI, text);
    assert.equal(a.ownDiagnostics.filter((d) => d.ruleId === 'LB107').length, 2);
    const action = getCodeActions(a, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, only: ['source.fixAll'] })
      .find((x) => /^Fix all LB107/.test(x.title))!;
    assert.ok(action, 'a fix-all source action for LB107');
    assert.equal(action.kind, 'source.fixAll.lb-lens');
    assert.equal(action.diagnostics.length, 2);
    const fixed = applyEdits(text, action.edits);
    assert.equal(fixed, text.replace(/(server [a-d] [\d.:]+)\n/g, '$1 check\n'));
    assert.ok(!analyzeText(URI, fixed).diagnostics.some((d) => d.ruleId === 'LB107'));
  });

  test('fix all: overlapping fixes are left out, identical ones applied once', () => {
    // Two duplicates of one server: removing each is its own line; and the automatic fix-all takes only preferred fixes.
    const text = cfg('    default_backend be_app\n', 'backend be_app\n    server a 10.0.0.1:80 check\n    server b 10.0.0.1:80 check\n    server c 10.0.0.1:80 check\n');
    const a = analyzeText(URI, text);
    const all = fixAll(a, 'LB105', false);
    assert.equal(all.diagnostics.length, 2);
    const fixed = applyEdits(text, all.edits);
    assert.ok(!fixed.includes('server b') && !fixed.includes('server c') && fixed.includes('server a'), fixed);
    const auto = getCodeActions(a, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, only: ['source.fixAll'], automatic: true });
    assert.equal(auto.length, 1);
    assert.equal(auto[0].title, 'Fix all auto-fixable lb-lens problems');
    // The LB108-free result: one server left, the duplicates gone.
    assert.equal(applyEdits(text, auto[0].edits), fixed);
  });
});
