import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions } from '../../../server/src/formats/haproxy/conditions';
import { detectHaproxy, haproxyFormat, parseHaproxy, valueRange } from '../../../server/src/formats/haproxy';
import { NO_FILES } from '../../../server/src/formats/types';
import type { Pool, Range, Route, TrafficModel } from '../../../server/src/model/types';

const URI = 'file:///etc/haproxy/haproxy.cfg';

/** Join lines with LF; fixtures are written one statement per array item for exact line numbers. */
const cfg = (...lines: string[]): string => lines.join('\n');

function lower(...lines: string[]): TrafficModel {
  return haproxyFormat.parse(URI, cfg(...lines), NO_FILES);
}

function r(line: number, start: number, end: number, endLine = line): Range {
  return { start: { line, character: start }, end: { line: endLine, character: end } };
}

function pool(m: TrafficModel, name: string): Pool {
  const p = m.pools.find((x) => x.name === name);
  assert.ok(p, `pool ${name}`);
  return p;
}

function routesOf(m: TrafficModel, entryName: string): Route[] {
  const e = m.entries.find((x) => x.name === entryName);
  assert.ok(e, `entry ${entryName}`);
  return m.routes.filter((x) => x.entryId === e.id).sort((a, b) => a.evaluation.index - b.evaluation.index);
}

function targetName(route: Route): string {
  return route.target.kind === 'pool' ? route.target.name : route.target.kind;
}

function problems(m: TrafficModel): string[] {
  return m.problems.map((p) => `${p.ruleId} ${p.source.range.start.line}:${p.source.range.start.character}-${p.source.range.end.character}`);
}

describe('haproxy parser: tokenisation (manual 2.2 Quoting and escaping)', () => {
  it('splits words on spaces and tabs with exact ranges', () => {
    const cst = parseHaproxy('backend b\n\tserver  s1\t10.0.0.1:80 check\n');
    const line = cst.sections[0].lines[0];
    assert.deepEqual(line.words.map((w) => w.value), ['server', 's1', '10.0.0.1:80', 'check']);
    assert.deepEqual(line.words[2].range, r(1, 12, 23));
    assert.deepEqual(line.range, r(1, 1, 29));
  });

  it('treats # outside quotes as a comment, even glued to a word, and keeps every comment', () => {
    const cst = parseHaproxy('global#this is the global section\n  daemon # daemonize\n  log "a#b" \\#c\n# alone');
    assert.equal(cst.sections[0].keyword, 'global');
    assert.deepEqual(cst.sections[0].lines[0].words.map((w) => w.value), ['daemon']);
    assert.deepEqual(cst.sections[0].lines[0].comment, { text: '# daemonize', range: r(1, 9, 20) });
    assert.deepEqual(cst.sections[0].lines[1].words.map((w) => w.value), ['log', 'a#b', '#c']);
    assert.deepEqual(cst.comments.map((c) => c.text), ['#this is the global section', '# daemonize', '# alone']);
    assert.deepEqual(cst.comments[0].range, r(0, 6, 33));
  });

  it('glues quoted parts into one word, equivalently to escaping (the manual log-format example)', () => {
    const forms = [
      'log-format %{+Q}o\\ %t\\ %s\\ %{-Q}r',
      'log-format "%{+Q}o %t %s %{-Q}r"',
      "log-format '%{+Q}o %t %s %{-Q}r'",
      'log-format "%{+Q}o %t"\' %s %{-Q}r\'',
      'log-format "%{+Q}o %t"\' %s\'\\ %{-Q}r',
    ];
    for (const f of forms) {
      const words = parseHaproxy(`defaults\n  ${f}`).sections[0].lines[0].words;
      assert.equal(words.length, 2, f);
      assert.equal(words[1].value, '%{+Q}o %t %s %{-Q}r', f);
      assert.equal(words[1].raw, f.slice('log-format '.length), f);
      assert.deepEqual(words[1].range, r(1, 13, 2 + f.length), f);
    }
  });

  it('handles escapes: \\n \\t \\xNN \\\\ \\" and keeps unknown escapes (regular expressions) as written', () => {
    const w = parseHaproxy('defaults\n  x a\\tb \\x41\\x42 \\\\ \\" ^/api\\.v1$ \'\\n\'').sections[0].lines[0].words;
    assert.deepEqual(w.map((x) => x.value), ['x', 'a\tb', 'AB', '\\', '"', '^/api\\.v1$', '\\n']);
  });

  it('keeps environment variables inside double quotes as written and marks them; single quotes and bare text are literal', () => {
    const w = parseHaproxy('global\n  x "fd@${FD_APP1}" "$HAPROXY_USER" \'${LIT}\' $BARE "\\$1"').sections[0].lines[0].words;
    assert.deepEqual(w.map((x) => [x.value, x.hasVariable]), [
      ['x', false], ['fd@${FD_APP1}', true], ['$HAPROXY_USER', true], ['${LIT}', false], ['$BARE', false], ['$1', false],
    ]);
  });

  it('maps value offsets back to the raw text through quotes and escapes', () => {
    const w = parseHaproxy('defaults\n  x "ab"\\ cd').sections[0].lines[0].words[1];
    assert.equal(w.value, 'ab cd');
    // `cd` is at value offset 3..5, raw offsets 6..8 of the word starting at column 4.
    assert.deepEqual(valueRange(w, 3, 5), r(1, 10, 12));
  });

  it('reports an unterminated quote from the quote to the end of the line', () => {
    const cst = parseHaproxy('backend b\n  server s1 "1.2.3.4:80\n  server s2 \'x');
    assert.deepEqual(cst.problems.map((p) => [p.ruleId, p.range]), [['LB001', r(1, 12, 23)], ['LB001', r(2, 12, 14)]]);
    assert.equal(cst.sections[0].lines.length, 2, 'the lines are still kept');
  });

  it('reports an invalid \\x sequence, an unmatched ${ and a lone $ in double quotes', () => {
    const cst = parseHaproxy('backend b\n  cookie \\xZZ\n  cookie "${FOO"\n  cookie "$"');
    assert.deepEqual(cst.problems.map((p) => p.range), [r(1, 9, 11), r(2, 10, 15), r(3, 10, 11)]);
    assert.ok(cst.problems.every((p) => p.ruleId === 'LB001'));
  });

  it('handles CRLF and lone CR line breaks like the LSP line index', () => {
    const cst = parseHaproxy('backend b\r\n  server s1 1.1.1.1:80\r  server s2 2.2.2.2:80\r\n');
    assert.deepEqual(cst.sections[0].lines.map((l) => l.range.start.line), [1, 2]);
    assert.deepEqual(cst.sections[0].lines[1].words[2].range, r(2, 12, 22));
  });

  it('reports a statement before any section, but accepts directives there', () => {
    const cst = parseHaproxy('.notice "hello"\nfoo bar\nglobal\n  daemon');
    assert.deepEqual(cst.problems.map((p) => [p.ruleId, p.range]), [['LB001', r(1, 0, 3)]]);
    assert.equal(cst.sections.length, 1);
  });

  it('parses all section keywords and keeps unknown keywords as lines of the current section', () => {
    const cst = parseHaproxy(cfg('global', 'resolvers dns', '  nameserver ns1 1.1.1.1:53', 'peers p', 'ring r', 'cache c',
      'http-errors e', 'program p', 'log-forward l', 'fcgi-app f', 'crt-store s', 'traces', 'userlist u', 'mailers m', 'frobnicate x'));
    assert.deepEqual(cst.sections.map((s) => s.keyword), ['global', 'resolvers', 'peers', 'ring', 'cache', 'http-errors',
      'program', 'log-forward', 'fcgi-app', 'crt-store', 'traces', 'userlist', 'mailers']);
    assert.deepEqual(cst.sections[12].lines[0].words.map((w) => w.value), ['frobnicate', 'x']);
    assert.deepEqual(cst.problems, []);
  });

  it('reads section names and `from`, including `defaults from <name>`', () => {
    const cst = parseHaproxy(cfg('defaults base', 'defaults from base', 'backend b from base'));
    assert.equal(cst.sections[0].name?.value, 'base');
    assert.equal(cst.sections[1].name, undefined);
    assert.equal(cst.sections[1].from?.value, 'base');
    assert.equal(cst.sections[2].from?.value, 'base');
    assert.deepEqual(cst.sections[2].from?.range, r(2, 15, 19));
  });

  it('never throws on garbage, binary input or an empty file', () => {
    const inputs = ['', '\n\n\n', '"', "'\n'", '\\', '\\x', '"${', '\u0000\u0001\u0002\uffff', '.if\n.elif (\n.else\n.else\n.endif\n.endif',
      Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('')];
    for (const input of inputs) {
      assert.doesNotThrow(() => haproxyFormat.parse(URI, input, NO_FILES), JSON.stringify(input.slice(0, 20)));
    }
    const empty = haproxyFormat.parse(URI, '', NO_FILES);
    assert.deepEqual([empty.problems, empty.pools, empty.entries, empty.closedWorld], [[], [], [], false]);
    const nul = parseHaproxy('global\n  daemon\u0000x');
    assert.deepEqual(nul.problems.map((p) => p.range), [r(1, 2, 10)]);
  });
});

describe('haproxy parser: conditional blocks (manual 2.4)', () => {
  const backends = (text: string): string[] => parseHaproxy(text).sections.map((s) => s.name?.value ?? s.keyword);

  it('evaluates static conditions: 0, 1, streq/strneq on literals, version_atleast/version_before', () => {
    assert.deepEqual(backends(cfg('.if 1', 'backend a', '.endif', '.if 0', 'backend b', '.endif')), ['a']);
    assert.deepEqual(backends(cfg('.if streq(a,a) && !strneq(b,b)', 'backend a', '.else', 'backend b', '.endif')), ['a']);
    assert.deepEqual(backends(cfg('.if version_atleast(2.4-dev19)', 'backend new', '.else', 'backend old', '.endif')), ['new']);
    assert.deepEqual(backends(cfg('.if version_before(1.8)', 'backend old', '.elif 0 || 1', 'backend mid', '.else', 'backend x', '.endif')), ['mid']);
    assert.deepEqual(backends(cfg('.if', 'backend empty', '.endif')), [], 'an empty condition is false');
  });

  it('takes the .if branch of an environment-dependent condition, and no other branch', () => {
    const text = cfg('.if defined(HAPROXY_MWORKER)', 'backend a', '.elif 1', 'backend b', '.else', 'backend c', '.endif',
      '.if streq("$WITH_SSL",yes)', 'backend d', '.endif', '.if feature(OPENSSL) && 0', 'backend e', '.endif');
    assert.deepEqual(backends(text), ['a', 'd']);
  });

  it('does not lower lines of branches not taken but still reports their syntax errors', () => {
    const cst = parseHaproxy(cfg('backend a', '  server s1 1.1.1.1:80', '.if 0', '  server s2 "oops', 'backend b', '.endif', '  server s3 3.3.3.3:80'));
    assert.deepEqual(cst.sections.map((s) => s.name?.value), ['a']);
    assert.deepEqual(cst.sections[0].lines.map((l) => l.words[1].value), ['s1', 's3']);
    assert.equal(cst.skipped.length, 2);
    assert.deepEqual(cst.problems.map((p) => p.range), [r(3, 12, 17)]);
  });

  it('handles nesting: an inner block of a dropped branch stays dropped', () => {
    assert.deepEqual(backends(cfg('.if 0', '.if 1', 'backend a', '.endif', '.else', '.if 1', 'backend b', '.endif', '.endif')), ['b']);
  });

  it('reports unmatched .else/.elif/.endif, a second .else, an unterminated .if and an unparsable condition', () => {
    const cst = parseHaproxy(cfg('.else', '.endif', '.elif 1', '.if 1', '.else', '.else', '.endif', '.if foo(bar)', '.endif',
      '.if defined(HOME) ||', '.endif', '.if 1', 'global'));
    assert.deepEqual(cst.problems.map((p) => [p.ruleId, p.range.start.line, p.range.start.character]), [
      ['LB001', 0, 0], ['LB001', 1, 0], ['LB001', 2, 0], ['LB001', 5, 0], ['LB001', 7, 4], ['LB001', 9, 18], ['LB001', 11, 0],
    ]);
    assert.match(cst.problems[6].message, /non-terminated '\.if'/);
  });

  it('compares versions with missing components as zero and development versions first', () => {
    assert.equal(compareVersions('2.4', '2.4.0'), 0);
    assert.ok(compareVersions('2.4-dev19', '2.4') < 0);
    assert.ok(compareVersions('2.10', '2.9') > 0);
    assert.ok(compareVersions('3.0-rc1', '3.0-dev5') > 0);
  });
});

describe('haproxy lowering: defaults inheritance (manual 4 "Proxies")', () => {
  it('applies the latest anonymous defaults: mode, balance, allbackups, default-server, default_backend', () => {
    const m = lower(
      'defaults',
      '  mode http',
      '  balance leastconn',
      '  option allbackups',
      '  default-server check weight 5',
      '  default_backend be_web',
      'frontend fe',
      '  bind :80',
      'backend be_web',
      '  server a 10.0.0.1:80',
      '  server b 10.0.0.2:80 no-check weight 7 backup',
    );
    const p = pool(m, 'be_web');
    assert.equal(p.algorithm, 'leastconn');
    assert.equal(p.backupPolicy, 'all');
    assert.deepEqual(p.servers.map((s) => [s.weight, s.state, s.healthCheck?.active]), [[5, 'active', true], [7, 'backup', false]]);
    const routes = routesOf(m, 'frontend fe');
    assert.deepEqual(routes.map((x) => [x.name, x.catchAll, targetName(x)]), [['default_backend be_web', true, 'be_web']]);
    assert.deepEqual(routes[0].source.range, r(5, 2, 24), 'the route is where default_backend is written');
  });

  it('resets everything at a new anonymous defaults section; the latest one wins', () => {
    const m = lower('defaults', '  balance source', '  option allbackups', 'defaults', '  mode tcp', 'backend b', '  server a 1.1.1.1:80');
    assert.equal(pool(m, 'b').algorithm, 'roundrobin');
    assert.equal(pool(m, 'b').backupPolicy, 'first');
  });

  it('uses the named defaults after `from`, and chains defaults', () => {
    const m = lower(
      'defaults tcp_base',
      '  balance first',
      'defaults web from tcp_base',
      '  default-server weight 3',
      'defaults',
      '  balance static-rr',
      'backend b1 from web',
      '  server a 1.1.1.1:80',
      'backend b2',
      '  server a 1.1.1.1:80',
    );
    assert.deepEqual([pool(m, 'b1').algorithm, pool(m, 'b1').shareModel, pool(m, 'b1').servers[0].weight], ['first', 'first', 3]);
    assert.deepEqual([pool(m, 'b2').algorithm, pool(m, 'b2').shareModel], ['static-rr', 'weighted']);
  });

  it('adds a backend default-server to the inherited one, for the servers after it', () => {
    const m = lower('defaults', '  default-server weight 10 check', 'backend b', '  server a 1.1.1.1:80',
      '  default-server backup', '  server c 3.3.3.3:80', '  server d 4.4.4.4:80 no-backup');
    assert.deepEqual(pool(m, 'b').servers.map((s) => [s.weight, s.state, s.healthCheck?.active]),
      [[10, 'active', true], [10, 'backup', true], [10, 'active', true]]);
  });

  it('honours `no option allbackups` in a backend', () => {
    const m = lower('defaults', '  option allbackups', 'backend b', '  no option allbackups', '  server a 1.1.1.1:80');
    assert.equal(pool(m, 'b').backupPolicy, 'first');
  });

  it('reports a `from` naming no defaults section defined before', () => {
    const m = lower('backend b from later', '  server a 1.1.1.1:80', 'defaults later');
    assert.deepEqual(problems(m), ['LB002 0:15-20']);
  });
});

describe('haproxy lowering: entry points and routes', () => {
  it('orders use_backend rules by declaration and default_backend last, wherever it is written', () => {
    const m = lower(
      'frontend fe_http',
      '  bind :80',
      '  bind :443 ssl crt /etc/cert.pem',
      '  default_backend be_web',
      '  acl is_api path_beg /api',
      '  use_backend be_api if is_api',
      '  use_backend be_static unless { path_beg /dyn }',
      '  use_backend be_all',
      'backend be_web',
      '  server w 10.0.0.1:80',
      'backend be_api',
      '  server a 10.0.0.2:80',
      'backend be_static',
      '  server s 10.0.0.3:80',
      'backend be_all',
      '  server x 10.0.0.4:80',
    );
    const e = m.entries[0];
    assert.deepEqual([e.name, e.namespace, e.listen], ['frontend fe_http', 'haproxy', [':80', ':443 ssl']]);
    const routes = routesOf(m, 'frontend fe_http');
    assert.deepEqual(routes.map((x) => [x.evaluation.index, x.name, x.catchAll, x.evaluation.strategy]), [
      [0, 'use_backend be_api if is_api', false, 'first-match'],
      [1, 'use_backend be_static unless { path_beg /dyn }', false, 'first-match'],
      [2, 'use_backend be_all', false, 'first-match'],
      [3, 'default_backend be_web', true, 'first-match'],
    ]);
    assert.ok(routes.every((x) => x.evaluation.group === routes[0].evaluation.group));
    assert.deepEqual(routes[0].match, [{ field: 'acl', op: 'opaque', value: 'is_api' }]);
    assert.deepEqual(routes[1].match, [{ field: 'acl', op: 'opaque', value: '{ path_beg /dyn }', negated: true }]);
    assert.deepEqual(routes[2].match, []);
    const t = routes[0].target;
    assert.ok(t.kind === 'pool');
    assert.equal(t.poolId, pool(m, 'be_api').id);
    assert.deepEqual(t.nameSource.range, r(5, 14, 20));
    assert.deepEqual(routes[0].source.range, r(5, 2, 30));
    assert.equal(m.closedWorld, true);
    assert.deepEqual(m.problems, []);
  });

  it('gives identical conditions identical opaque values (a repeated condition is shadowed); if TRUE matches all', () => {
    const m = lower('frontend fe', '  use_backend a if  is_api  or  is_v2', '  use_backend b if is_api || is_v2', '  use_backend c if TRUE',
      'backend a', 'backend b', 'backend c');
    const routes = routesOf(m, 'frontend fe');
    assert.deepEqual(routes[0].match, routes[1].match);
    assert.equal(routes[0].match[0].value, 'is_api || is_v2');
    assert.deepEqual(routes[2].match, []);
  });

  it('makes log-format backend names dynamic targets', () => {
    const m = lower('frontend fe', '  use_backend be_%[req.hdr(host),lower]', '  default_backend %[var(txn.be)]');
    assert.deepEqual(routesOf(m, 'frontend fe').map((x) => x.target.kind), ['dynamic', 'dynamic']);
  });

  it('makes a listen section an entry and a pool, with a catch-all to its own servers', () => {
    const m = lower('listen db', '  bind :3306', '  balance first', '  server m1 10.0.0.1:3306 maxconn 100', '  server m2 10.0.0.2:3306 maxconn 100');
    const routes = routesOf(m, 'listen db');
    assert.deepEqual(routes.map((x) => [x.name, x.catchAll, targetName(x)]), [['listen db', true, 'db']]);
    const p = pool(m, 'db');
    assert.equal(p.kind, 'listen');
    assert.equal(p.shareModel, 'first');
    assert.ok(routes[0].target.kind === 'pool' && routes[0].target.poolId === p.id);
    assert.deepEqual(m.entries[0].listen, [':3306']);
  });

  it('sends unmatched listen traffic to default_backend rather than its own servers', () => {
    const m = lower('listen l', '  bind :80', '  use_backend a if x', '  default_backend b', '  server own 1.1.1.1:80', 'backend a', 'backend b');
    assert.deepEqual(routesOf(m, 'listen l').map(targetName), ['a', 'b']);
  });

  it('is an open world for a backends-only fragment', () => {
    assert.equal(lower('backend b', '  server a 1.1.1.1:80').closedWorld, false);
  });
});

describe('haproxy lowering: pools and servers', () => {
  it('reads backup, disabled, weight 0, checks and address kinds', () => {
    const m = lower(
      'backend b',
      '  option httpchk GET /health',
      '  server a 10.0.0.1:80 check weight 0',
      '  server b app.internal:8080 backup observe layer7',
      '  server c 127.0.0.1:80 disabled',
      '  server d unix@/run/app.sock',
      '  server e /run/app2.sock',
      '  server f ${s1_addr}:${s1_port}',
      '  server g "${APP_HOST}:80"',
      '  server h ipv4@10.0.0.9:81',
      '  server i abns@app',
    );
    const p = pool(m, 'b');
    assert.deepEqual(p.servers.map((s) => [s.name, s.weight, s.state, s.kind]), [
      ['a', 0, 'active', 'ip'], ['b', 1, 'backup', 'hostname'], ['c', 1, 'disabled', 'loopback'], ['d', 1, 'active', 'unix'],
      ['e', 1, 'active', 'unix'], ['f', 1, 'active', 'dynamic'], ['g', 1, 'active', 'dynamic'], ['h', 1, 'active', 'ip'], ['i', 1, 'active', 'unix'],
    ]);
    assert.deepEqual(p.servers.map((s) => s.healthCheck), [
      { active: true, passive: false }, { active: false, passive: true }, ...Array(7).fill({ active: false, passive: false }),
    ]);
    assert.deepEqual(p.healthCheck, { active: true, passive: true, detail: 'option httpchk' });
    assert.equal(p.servers[7].addressKey, '10.0.0.9:81');
    assert.deepEqual(p.servers[0].source.range, r(2, 2, 37));
    assert.deepEqual(p.nameSource.range, r(0, 8, 9));
    assert.deepEqual(p.source.range, r(0, 0, 19, 10));
  });

  it('keeps ports in address keys and does not mistake setting values for flags', () => {
    const m = lower('backend b', '  server a 10.0.0.1:80 cookie check', '  server b 10.0.0.1:81 track other/a');
    const [a, b] = pool(m, 'b').servers;
    assert.notEqual(a.addressKey, b.addressKey);
    assert.equal(a.healthCheck?.active, false, '`cookie check` sets the cookie value "check"');
    assert.equal(b.healthCheck?.active, true, 'a tracking server follows the tracked server checks');
    assert.deepEqual(m.mentions.map((x) => x.name), ['other']);
  });

  it('expands server-template into generated servers and marks the pool dynamic', () => {
    const m = lower('backend b', '  server-template srv 3 app.svc:80 check', '  server-template web 5-6 web.svc:80');
    const p = pool(m, 'b');
    assert.deepEqual(p.servers.map((s) => [s.name, s.generated, s.healthCheck?.active]),
      [['srv1', true, true], ['srv2', true, true], ['srv3', true, true], ['web5', true, false], ['web6', true, false]]);
    assert.equal(p.dynamicServers, true);
  });

  it('marks server-less stick-table holders and stats backends as not traffic pools', () => {
    const m = lower(
      'frontend fe',
      '  bind :80',
      '  http-request track-sc0 src table st_src',
      '  acl abuse sc_http_req_rate(0,st_rate) gt 10',
      '  use_backend be_app if { nbsrv(be_app) gt 0 } || { srv_is_up(be_other/s1) }',
      'backend st_src',
      '  stick-table type ip size 1m expire 10s',
      'backend st_rate',
      '  stick-table type ip size 1m',
      'backend stats',
      '  stats enable',
      '  stats uri /',
      'backend be_app',
      '  server a 1.1.1.1:80',
      'backend be_other',
      '  server s1 2.2.2.2:80',
    );
    assert.equal(pool(m, 'st_src').notATrafficPool, true);
    assert.equal(pool(m, 'st_rate').notATrafficPool, true);
    assert.equal(pool(m, 'stats').notATrafficPool, true);
    assert.equal(pool(m, 'be_app').notATrafficPool, undefined);
    assert.deepEqual(m.mentions.map((x) => [x.name, x.source.range]), [
      ['st_src', r(2, 35, 41)], ['st_rate', r(3, 31, 38)], ['be_app', r(4, 32, 38)], ['be_other', r(4, 62, 70)],
    ]);
    assert.equal(pool(m, 'st_src').referencedElsewhere, true);
    assert.equal(pool(m, 'be_other').referencedElsewhere, true);
  });

  it('does not count a backend naming its own table as a reference', () => {
    const m = lower('backend b', '  stick-table type ip size 1k', '  stick on src table b', '  server a 1.1.1.1:80');
    assert.equal(pool(m, 'b').referencedElsewhere, undefined);
    assert.deepEqual(m.mentions, []);
  });

  it('reads balance algorithms with arguments', () => {
    const algos = ['hdr(host)', 'random(2)', 'rdp-cookie', 'hash', 'url_param', 'uri', 'source', 'sticky'];
    const m = lower(...algos.flatMap((a, i) => [`backend b${i}`, `  balance ${a}${a === 'hash' || a === 'url_param' ? ' x' : ''}`]));
    assert.deepEqual(m.pools.map((p) => p.algorithm), algos);
    assert.deepEqual(m.problems, []);
  });
});

describe('haproxy lowering: LB002 rejected values', () => {
  it('flags an unknown balance algorithm on the algorithm word', () => {
    assert.deepEqual(problems(lower('backend b', '  balance fastest', '  server a 1.1.1.1:80')), ['LB002 1:10-17']);
    assert.deepEqual(problems(lower('backend b', '  balance hdr')), ['LB002 1:10-13']);
  });

  it('flags weights out of 0..256 or not a number', () => {
    const m = lower('backend b', '  server a 1.1.1.1:80 weight 257', '  server b 1.1.1.1:81 weight -1', '  server c 1.1.1.1:82 weight abc',
      '  server d 1.1.1.1:83 weight 256', '  default-server weight 10x');
    assert.deepEqual(problems(m), ['LB002 1:29-32', 'LB002 2:29-31', 'LB002 3:29-32', 'LB002 5:24-27']);
    assert.deepEqual(pool(m, 'b').servers.map((s) => s.weight), [256, 0, 0, 256]);
  });

  it('flags a server without address, servers in a frontend or defaults, and use_backend in a backend', () => {
    const m = lower('backend b', '  server lonely', 'frontend f', '  server s 1.1.1.1:80', 'backend c', '  use_backend b',
      '  default_backend b', 'defaults', '  server s 1.1.1.1:80', '  use_backend b');
    assert.deepEqual(problems(m), ['LB002 1:2-15', 'LB002 3:2-8', 'LB002 5:2-13', 'LB002 6:2-17', 'LB002 8:2-8', 'LB002 9:2-13']);
  });

  it('flags duplicate server names in one proxy (haproxy -c rejects them), pointing at the first', () => {
    const m = lower('backend b', '  server s1 1.1.1.1:80', '  server s1 1.1.1.1:81', 'backend c', '  server s1 1.1.1.1:80');
    assert.deepEqual(problems(m), ['LB002 2:9-11']);
    assert.deepEqual(m.problems[0].related?.[0].source.range, r(1, 9, 11));
  });

  it('flags use_backend/default_backend without a name, junk after the name and an unclosed anonymous ACL', () => {
    const m = lower('frontend f', '  use_backend', '  default_backend', '  use_backend b foo', '  use_backend b if { path_beg /x');
    assert.deepEqual(problems(m), ['LB002 1:2-13', 'LB002 2:2-17', 'LB001 3:16-19', 'LB001 4:16-32']);
  });

  it('flags invalid proxy and server names and listening addresses on the section line', () => {
    const m = lower('frontend www.example.net:80/x', 'listen l :80', 'backend b', '  server bk/1 1.1.1.1:80');
    assert.deepEqual(problems(m), ['LB002 0:9-29', 'LB002 1:9-12', 'LB002 3:9-13']);
  });

  it('flags rules only allowed in named defaults sections', () => {
    assert.deepEqual(problems(lower('defaults', '  http-request deny', 'defaults named', '  http-request deny')), ['LB002 1:2-14']);
  });

  it('flags an http frontend using a tcp backend (see mode)', () => {
    const m = lower('defaults', '  mode http', 'frontend f', '  use_backend t if x', '  default_backend h', 'backend t', '  mode tcp', 'backend h');
    assert.deepEqual(problems(m), ['LB002 3:14-15']);
    const inherited = lower('defaults', '  mode http', '  default_backend t', 'frontend f1', 'frontend f2', 'backend t', '  mode tcp');
    assert.deepEqual(problems(inherited), ['LB002 2:18-19'], 'reported once, where default_backend is written');
  });

  it('flags a server-template with a wrong number or range', () => {
    assert.deepEqual(problems(lower('backend b', '  server-template s 0 a.svc:80', '  server-template s 5-2 a.svc:80')), ['LB002 1:20-21', 'LB002 2:20-23']);
  });

  it('does not flag unknown server settings or keywords', () => {
    const m = lower('backend b', '  frobnicate yes', '  server a 1.1.1.1:80 shiny-new-setting 42 check inter 2s fall 3 rise 2 resolvers dns init-addr last,none');
    assert.deepEqual(m.problems, []);
    assert.equal(pool(m, 'b').servers[0].healthCheck?.active, true);
  });
});

describe('haproxy model extras', () => {
  it('collects every comment with its range for suppressions', () => {
    const m = lower('# lb-lens-disable LB107', 'backend b # trailing', '  server a 1.1.1.1:80');
    assert.deepEqual(m.comments.map((c) => [c.text, c.source.range]), [['# lb-lens-disable LB107', r(0, 0, 23)], ['# trailing', r(1, 10, 20)]]);
  });

  it('parses a generated 10k-line configuration quickly', () => {
    const lines = ['global', 'defaults', '  mode http', 'frontend fe', '  bind :80'];
    for (let i = 0; lines.length < 10_000; i++) {
      lines.push(`backend be${i}`, '  balance roundrobin', `  server s${i}a 10.0.${i % 250}.1:80 check weight 10`, `  server s${i}b "10.0.${i % 250}.2:80" backup # x`);
    }
    const text = lines.join('\n');
    haproxyFormat.parse(URI, text, NO_FILES); // warm up
    const start = performance.now();
    const m = haproxyFormat.parse(URI, text, NO_FILES);
    const elapsed = performance.now() - start;
    assert.equal(m.pools.length, 2499);
    assert.ok(elapsed < 500, `took ${elapsed.toFixed(1)} ms`);
  });
});

describe('haproxy detect', () => {
  it('is certain for haproxy.cfg, *.haproxy and *.cfg with section headers', () => {
    assert.equal(detectHaproxy('file:///etc/haproxy/haproxy.cfg', ''), 1);
    assert.equal(detectHaproxy('file:///x/site.haproxy', ''), 1);
    assert.equal(detectHaproxy('file:///x/lb.cfg', 'global\n  daemon\nbackend b\n  server a 1.1.1.1:80\n'), 1);
  });

  it('scores content from section headers and keywords', () => {
    const text = 'frontend fe\n  bind :80\n  use_backend b if x\nbackend b\n  balance roundrobin\n  server a 1.1.1.1:80\n';
    assert.ok(detectHaproxy('untitled:1', text) >= 0.9);
    assert.ok(detectHaproxy('untitled:1', 'backend b\n') > 0);
  });

  it('is 0 for nginx, YAML and JSON', () => {
    assert.equal(detectHaproxy('file:///x/a.cfg', 'server {\n  listen 80;\n  server_name x;\n}\n'), 0);
    assert.equal(detectHaproxy('file:///x/a.conf', 'upstream backend {\n  server 10.0.0.1:80;\n}\n'), 0);
    assert.equal(detectHaproxy('file:///x/a.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n'), 0);
    assert.equal(detectHaproxy('file:///x/a.json', '{"backend": "x"}'), 0);
  });
});
