/**
 * HAProxy routing as the engine implements it, one test per documented rule of the configuration manual
 * (section 7 "Using ACLs and fetching samples", 4.2 "use_backend", "default_backend", "http-request", "redirect",
 * "bind"). Behaviour that the manual leaves implicit was checked against haproxy 2.6 (test/oracle/haproxy.test.ts
 * runs these kinds of requests through the real binary).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../helpers/edits';
import { routes, where } from '../../helpers/routing';

const URI = 'file:///w/haproxy.cfg';

/** A config with backends be_a…be_e and be_default, one server each, and the given frontend body. */
function fe(body: string, opts: { mode?: string; header?: string } = {}) {
  const backends = ['be_a', 'be_b', 'be_c', 'be_d', 'be_e', 'be_default'].map((b, i) => `backend ${b}\n  server s${i} 10.0.0.${i + 1}:80\n`).join('');
  return routes(URI, `defaults\n  mode ${opts.mode ?? 'http'}\n${opts.header ?? 'frontend fe\n  bind :80\n'}${body.replace(/^\s+/gm, '  ')}\n${backends}`);
}

const pool = (r: ReturnType<typeof where>) => r.pools.join('+') || `${r.outcome}${r.status ? ` ${r.status}` : ''}`;

describe('HAProxy routing: use_backend, default_backend (manual 4.2)', () => {
  it('"use_backend" rules are evaluated in their declaration order, and the first one which matches assigns the backend', () => {
    const cfg = fe(`
      use_backend be_a if { path_beg /api/v1 }
      use_backend be_b if { path_beg /api }
      use_backend be_c if { path_beg /api/v1/x }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/api/v1/x'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/api/v2'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/web'))), 'be_default');
    const trace = cfg.send('GET http://a.com/api/v2').trace.filter((t) => t.kind === 'route');
    assert.deepEqual(trace.map((t) => t.result), ['no-match', 'match'], 'later rules are not considered once one matched');
  });

  it('default_backend is used when no use_backend rule matched, wherever it is written', () => {
    const cfg = fe(`
      default_backend be_default
      use_backend be_a if { path_beg /a }`);
    assert.equal(pool(where(cfg.send('GET http://a.com/a'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/b'))), 'be_default');
  });

  it('without a default backend, a frontend answers 503; a listen section serves with its own servers', () => {
    const cfg = fe('use_backend be_a unless { path_beg /x }');
    assert.deepEqual(where(cfg.send('GET http://a.com/x/1')), { route: undefined, pools: [], outcome: 'no-backend', status: 503 });
    assert.equal(pool(where(cfg.send('GET http://a.com/y'))), 'be_a', '"unless": the backend is used when the condition is not met');
    const li = routes(URI, 'defaults\n  mode http\nlisten li\n  bind :80\n  use_backend be_a if { path_beg /a }\n  server s1 10.0.0.9:80\nbackend be_a\n  server a 10.0.0.1:80\n');
    assert.equal(pool(where(li.send('GET http://a.com/a'))), 'be_a');
    assert.equal(pool(where(li.send('GET http://a.com/b'))), 'li');
  });

  it('a backend name computed at run time (%[…]) is dynamic', () => {
    const cfg = fe('use_backend be_%[req.hdr(x-be)] if { req.hdr(x-be) -m found }\ndefault_backend be_default');
    assert.equal(where(cfg.send('GET http://a.com/', { headers: ['X-Be: a'] })).outcome, 'dynamic');
    assert.equal(pool(where(cfg.send('GET http://a.com/'))), 'be_default');
  });
});

describe('HAProxy routing: conditions (manual 7.2)', () => {
  it('a named ACL repeated on several lines is the OR of them, lines after the rule included ("completes an existing one")', () => {
    const cfg = fe(`
      acl is_api path_beg /api
      use_backend be_a if is_api
      acl is_api path_beg /v2
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/api/x'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/v2/x'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/v3/x'))), 'be_default');
  });

  it('ACLs are ANDed implicitly, "||" and "or" separate alternatives, "!" negates one ACL', () => {
    const cfg = fe(`
      acl api path_beg /api
      acl get method GET
      acl host_a hdr(host) a.com
      use_backend be_a if api get host_a
      use_backend be_b if api !get or host_a
      use_backend be_c if { path_beg /c } || !host_a { path_beg /d }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/api'))), 'be_a');
    assert.equal(pool(where(cfg.send('POST http://b.com/api'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/x'))), 'be_b', '"or host_a" alone');
    assert.equal(pool(where(cfg.send('GET http://b.com/api'))), 'be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/c'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://b.com/d'))), 'be_c');
  });

  it('anonymous ACLs between braces, negated with "!" attached or separate', () => {
    const cfg = fe(`
      use_backend be_a if !{ path_beg /x } { path_end .png }
      use_backend be_b if ! { method GET }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/y.png'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/x.png'))), 'be_default');
    assert.equal(pool(where(cfg.send('PUT http://a.com/x.png'))), 'be_b');
  });

  it('predefined ACLs (7.4): TRUE, FALSE, METH_GET is GET or HEAD, LOCALHOST, HTTP_URL_SLASH', () => {
    const cfg = fe(`
      use_backend be_a if FALSE
      use_backend be_b if METH_GET { path_beg /m }
      use_backend be_c if LOCALHOST
      use_backend be_d if HTTP_URL_SLASH { path_beg /s }
      use_backend be_e if TRUE`);
    assert.equal(pool(where(cfg.send('HEAD http://a.com/m'))), 'be_b');
    assert.equal(pool(where(cfg.send('POST http://a.com/m', { src: '127.0.0.5' }))), 'be_c');
    assert.equal(pool(where(cfg.send('POST http://a.com/s', { src: '10.0.0.5' }))), 'be_d');
    assert.equal(pool(where(cfg.send('POST http://a.com/m', { src: '10.0.0.5' }))), 'be_e');
  });

  it('an ACL used before any declaration is undecidable (HAProxy refuses the configuration), not guessed', () => {
    const cfg = fe(`
      use_backend be_a if later
      acl later path_beg /a
      default_backend be_default`);
    const r = cfg.send('GET http://a.com/a');
    assert.equal(pool(where(r)), 'be_default');
    assert.match(r.undecidable[0], /used before it is declared/);
  });
});

describe('HAProxy routing: matching methods and flags (manual 7.1)', () => {
  it('-i ignores case for the patterns; without it strings match case-sensitively', () => {
    const cfg = fe(`
      use_backend be_a if { path_beg -i /API }
      use_backend be_b if { path_beg /Web }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/api/x'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/web/x'))), 'be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/Web/x'))), 'be_b');
  });

  it('several patterns on one line: the ACL matches if any of them matches', () => {
    const cfg = fe('use_backend be_a if { path_end .gif .png .jpg }\ndefault_backend be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/x.png'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/x.css'))), 'be_default');
  });

  it('exact (path), prefix, suffix, substring and regex matches; regexes are searched anywhere (PCRE)', () => {
    const cfg = fe(`
      use_backend be_a if { path /exact }
      use_backend be_b if { path_sub /mid/ }
      use_backend be_c if { path_reg \\.php$ }
      use_backend be_d if { url_reg ^/q\\?id=[0-9]+$ }
      use_backend be_e if { path -m beg /m }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/exact'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/exact/'))), 'be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/a/mid/b'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/x/index.php'))), 'be_c');
    assert.equal(pool(where(cfg.send('GET http://a.com/q?id=42'))), 'be_d');
    assert.equal(pool(where(cfg.send('GET http://a.com/more'))), 'be_e', '-m beg on the path fetch');
  });

  it('subdir match: a slash-delimited portion of "/images/png/logo/32x32.png" ("png" matches too: haproxy 2.6 disagrees with the manual\'s example)', () => {
    const yes = ['/images', '/images/png', 'images/png', '/png/logo', 'logo/32x32.png', '32x32.png', 'png'];
    const no = ['32x32', 'mages', 'png/lo'];
    for (const p of [...yes, ...no]) {
      const cfg = fe(`use_backend be_a if { path_dir ${p} }\ndefault_backend be_default`);
      assert.equal(pool(where(cfg.send('GET http://a.com/images/png/logo/32x32.png'))), yes.includes(p) ? 'be_a' : 'be_default', p);
    }
  });

  it('domain match: "http://www1.dc-eu.example.com:80/blah" matches "www1", ".www1", ":www1:", "dc-eu.example" but not "eu" nor "dc" (nor "dc-eu.example:80", unlike the manual says: checked with haproxy 2.6)', () => {
    const yes = ['http', 'www1', '.www1', 'dc-eu', 'example', 'com', '80', 'dc-eu.example', 'blah', ':www1:', 'com:80/blah'];
    const no = ['eu', 'dc', 'dc-eu.example:80'];
    for (const p of [...yes, ...no]) {
      const cfg = fe(`use_backend be_a if { hdr_dom(x-url) ${p} }\ndefault_backend be_default`);
      const r = cfg.send('GET http://a.com/', { headers: ['X-Url: http://www1.dc-eu.example.com:80/blah'] });
      assert.equal(pool(where(r)), yes.includes(p) ? 'be_a' : 'be_default', p);
    }
  });

  it('-m found: a header, a query string, a URL parameter or a cookie is present', () => {
    const cfg = fe(`
      use_backend be_a if { req.hdr(x-a) -m found }
      use_backend be_b if { urlp(debug) -m found }
      use_backend be_c if { req.cook(sid) -m found }
      use_backend be_d if { query -m found }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['X-A: '] }))), 'be_a', 'an empty header is found');
    assert.equal(pool(where(cfg.send('GET http://a.com/?debug=1'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/?debug'))), 'be_d', 'a parameter without "=" has no value');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['Cookie: x=1; sid=abc'] }))), 'be_c');
    assert.equal(pool(where(cfg.send('GET http://a.com/'))), 'be_default');
  });

  it('integer and length comparisons, -f pattern files, unknown fetches and converters are undecidable, never guessed', () => {
    for (const cond of ['{ hdr_len(x-a) gt 3 }', '{ path_beg -f /etc/haproxy/paths.lst }', '{ sc_http_req_rate(0) gt 10 }', '{ var(txn.x) -m str y }', '{ path,regsub(a,b) /b }', '{ nbsrv(be_a) lt 1 }']) {
      const cfg = fe(`use_backend be_a if ${cond}\ndefault_backend be_default`);
      const r = cfg.send('GET http://a.com/abcd', { headers: ['X-A: 12345'] });
      assert.equal(pool(where(r)), 'be_default', cond);
      assert.equal(r.undecidable.length, 1, cond);
    }
  });

  it('an ACL keyword followed by a converter matches with the output type\'s default method (str), and lower folds the value', () => {
    const cfg = fe(`
      use_backend be_a if { path_beg,lower /api }
      use_backend be_b if { path,lower -m beg /web }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/API'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/API/x'))), 'be_default', '"path_beg,lower" is an exact match');
    assert.equal(pool(where(cfg.send('GET http://a.com/WEB/x'))), 'be_b');
  });
});

describe('HAProxy routing: sample fetches (manual 7.3)', () => {
  it('hdr(host) is the raw Host header with its port; -i ignores case', () => {
    const cfg = fe(`
      use_backend be_a if { hdr(host) -i a.com }
      use_backend be_b if { hdr_beg(host) a.com: }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://A.com/', { headers: ['Host: A.COM'] }))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com:8080/', { port: 80 }))), 'be_b', 'the port is part of the header');
  });

  it('req.hdr treats commas as delimiters of distinct values; a quoted value with commas is undecidable', () => {
    const cfg = fe(`
      use_backend be_a if { req.hdr(x-list) b }
      use_backend be_b if { hdr_beg(x-list) c }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['X-List: a, b'] }))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['X-List: a', 'X-List: b'] }))), 'be_a', 'every header line');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['X-List: a,  cd'] }))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['X-List: ab'] }))), 'be_default');
    const q = cfg.send('GET http://a.com/', { headers: ['X-List: "a,b"'] });
    assert.equal(q.undecidable.length > 0, true);
  });

  it('url_param: every occurrence is tried; parameters start after "?", "&" or ";"; values are not decoded', () => {
    const cfg = fe(`
      use_backend be_a if { url_param(t) acme }
      use_backend be_b if { urlp_beg(q) a%20 }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/?t=x&t=acme'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/?x=1;t=acme'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/?t=acme2'))), 'be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/?q=a%20b'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/x;t=acme'))), 'be_default', 'a ";" in the path does not start the query');
  });

  it('req.cook: all cookies of that name are tried, spaces around names and values ignored', () => {
    const cfg = fe('use_backend be_a if { req.cook(grp) beta }\ndefault_backend be_default');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['Cookie: grp=alpha; grp = beta '] }))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { headers: ['Cookie: grp=betamax'] }))), 'be_default');
  });

  it('method: a known method by name; METH_* and unknown methods as strings ("method -i get" does not match GET)', () => {
    const cfg = fe(`
      use_backend be_a if { method GET HEAD }
      use_backend be_b if { method -i patch }
      use_backend be_c if { method -i post }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('HEAD http://a.com/'))), 'be_a');
    assert.equal(pool(where(cfg.send('PATCH http://a.com/'))), 'be_b');
    assert.equal(pool(where(cfg.send('POST http://a.com/'))), 'be_default');
  });

  it('src: networks, single and abbreviated IPv4 addresses (10.12 is 10.0.0.12), dotted masks', () => {
    const cfg = fe(`
      use_backend be_a if { src 10.0.0.0/8 }
      use_backend be_b if { src 192.168.1 }
      use_backend be_c if { src 172.16.0.0/255.240.0.0 }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/', { src: '10.1.2.3' }))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { src: '192.168.0.1' }))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { src: '172.20.0.1' }))), 'be_c');
    assert.equal(pool(where(cfg.send('GET http://a.com/', { src: '8.8.8.8' }))), 'be_default');
  });

  it('ssl_fc, ssl_fc_sni and dst_port', () => {
    const cfg = routes(URI, `defaults
  mode http
frontend fe
  bind :80
  bind :443 ssl crt /etc/ssl/x.pem
  bind :8443 ssl crt /etc/ssl/x.pem
  use_backend be_a if { ssl_fc_sni -i api.example.com }
  use_backend be_b if { ssl_fc } { dst_port 8443 }
  use_backend be_c if !{ ssl_fc }
  default_backend be_default
backend be_a
  server a 10.0.0.1:80
backend be_b
  server b 10.0.0.2:80
backend be_c
  server c 10.0.0.3:80
backend be_default
  server d 10.0.0.4:80
`);
    assert.equal(pool(where(cfg.send('GET https://api.example.com/'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET https://www.example.com:8443/'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://www.example.com/'))), 'be_c');
    assert.equal(pool(where(cfg.send('GET https://www.example.com/'))), 'be_default');
  });

  it('base / base_beg: the Host header followed by the path', () => {
    const cfg = fe(`
      use_backend be_a if { base www.example.com/favicon.ico }
      use_backend be_b if { base_beg b.com/api }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://www.example.com/favicon.ico'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://b.com/api/x'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://b.co/mapi'))), 'be_default');
  });
});

describe('HAProxy routing: http-request rules and redirects run before use_backend (manual 4.2)', () => {
  it('deny (403, or deny_status), return (200, or status), tarpit (500), auth (401), redirect (302, or code)', () => {
    const cfg = fe(`
      http-request deny if { path_beg /d1 }
      http-request deny deny_status 429 if { path_beg /d2 }
      http-request return status 204 if { path /health }
      http-request return if { path /ok }
      http-request tarpit if { path_beg /t }
      http-request auth realm x if { path_beg /admin }
      http-request redirect location /new if { path /old }
      http-request redirect scheme https code 301 if { path_beg /secure }
      use_backend be_a if { path_beg / }`);
    const cases: Array<[string, string]> = [['/d1', 'direct 403'], ['/d2', 'direct 429'], ['/health', 'direct 204'], ['/ok', 'direct 200'], ['/t', 'direct 500'],
      ['/admin', 'direct 401'], ['/old', 'redirect 302'], ['/secure', 'redirect 301'], ['/other', 'be_a']];
    for (const [path, want] of cases) assert.equal(pool(where(cfg.send(`GET http://a.com${path}`))), want, path);
  });

  it('"allow" stops the evaluation of the following http-request rules, not of use_backend', () => {
    const cfg = fe(`
      http-request allow if { src 10.0.0.0/8 }
      http-request deny if { path_beg /admin }
      use_backend be_a if { path_beg /admin }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/admin', { src: '10.1.1.1' }))), 'be_a');
    assert.equal(pool(where(cfg.send('GET http://a.com/admin', { src: '8.8.8.8' }))), 'direct 403');
  });

  it('legacy "redirect" rules come after the http-request rules; the default code is 302', () => {
    const cfg = fe(`
      redirect prefix https://a.com if { path_beg /r }
      http-request deny if { path_beg /r/deny }
      default_backend be_default`);
    assert.equal(pool(where(cfg.send('GET http://a.com/r/deny'))), 'direct 403');
    const r = cfg.send('GET http://a.com/r/x');
    assert.equal(pool(where(r)), 'redirect 302');
    assert.equal(r.route?.target.kind === 'none' && r.route.target.response?.location, 'https://a.com<path>');
  });

  it('a rewrite before a rule makes its tests on the rewritten field undecidable only where the rewrite applies', () => {
    const cfg = fe(`
      http-request set-path /v2%[path] if { path_beg /api }
      use_backend be_a if { path_beg /v2 }
      use_backend be_b if { hdr(x-a) 1 }
      default_backend be_default`);
    const rewritten = cfg.send('GET http://a.com/api/x');
    assert.equal(rewritten.undecidable.length, 1);
    assert.equal(pool(where(cfg.send('GET http://a.com/v2/x'))), 'be_a', 'the rewrite does not apply: the path is as sent');
    assert.equal(pool(where(cfg.send('GET http://a.com/x', { headers: ['X-A: 1'] }))), 'be_b');
  });

  it('routes keep their legacy match keys: a repeated condition is still visibly shadowed', () => {
    const cfg = fe(`
      acl api path_beg /api
      use_backend be_a if api
      use_backend be_b if api
      default_backend be_default`);
    assert.ok(cfg.analysis.diagnostics.some((d) => d.ruleId === 'LB106'), 'LB106 on the second rule');
    const routesOfFe = cfg.analysis.model.routes;
    assert.deepEqual(routesOfFe.map((r) => r.matchText), ['if api', 'if api', '*']);
  });
});

describe('HAProxy routing: binds and modes (manual 4.2 "bind", "mode")', () => {
  it('binds: address:port lists, port ranges, ssl; UNIX sockets take no TCP request; variables are any port', () => {
    const cfg = routes(URI, `defaults
  mode http
frontend a
  bind 10.0.0.1:80,:8080
  bind :9000-9002 ssl crt /x.pem
  bind /run/haproxy.sock
  bind unix@/run/h2.sock
  bind "\${PORT}"
  default_backend be
backend be
  server s 10.0.0.9:80
`);
    const binds = cfg.analysis.model.entries[0].binds!;
    assert.deepEqual(binds.map((b) => [b.address, b.port, b.tls, b.protocol]), [
      ['10.0.0.1', 80, false, 'http'], [undefined, 8080, false, 'http'],
      [undefined, 9000, true, 'http'], [undefined, 9001, true, 'http'], [undefined, 9002, true, 'http'],
      [undefined, undefined, false, 'http'],
    ]);
    assert.equal(cfg.analysis.model.entries[0].noRoute?.status, 503);
  });

  it('tcp mode without ssl passes TLS through: req.ssl_sni reads the server name of the ClientHello', () => {
    const cfg = routes(URI, `frontend tls_in
  mode tcp
  bind :443
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend be_a if { req.ssl_sni -i a.example.com }
  use_backend be_b if { req.ssl_sni -m end .b.example.com }
  default_backend be_c
backend be_a
  server a 10.0.0.1:443
backend be_b
  server b 10.0.0.2:443
backend be_c
  server c 10.0.0.3:443
`);
    assert.equal(pool(where(cfg.send('GET https://A.example.com/'))), 'be_a');
    assert.equal(pool(where(cfg.send('GET https://x.b.example.com/'))), 'be_b');
    assert.equal(pool(where(cfg.send('GET http://x.b.example.com:443/'))), 'be_c', 'no TLS, no server name');
    const terminating = routes(URI, 'defaults\n  mode http\nfrontend f\n  bind :443 ssl crt /x.pem\n  use_backend be_a if { req.ssl_sni a.com }\n  default_backend be_a\nbackend be_a\n  server a 10.0.0.1:80\n');
    assert.equal(terminating.send('GET https://a.com/').undecidable.length, 1, 'a proxy that terminates TLS has consumed the ClientHello');
  });

  it('tcp mode: binds forward connections, HTTP fetches are undecidable and http-request rules do not apply', () => {
    const cfg = routes(URI, `defaults
  mode tcp
frontend db
  bind :5432
  http-request deny
  use_backend be_a if { src 10.0.0.0/8 }
  use_backend be_b if { path_beg /x }
  default_backend be_b
backend be_a
  server a 10.0.0.1:5432
backend be_b
  server b 10.0.0.2:5432
`);
    assert.equal(cfg.analysis.model.entries[0].binds![0].protocol, 'tcp');
    assert.equal(pool(where(cfg.send('GET http://db:5432/x', { src: '10.1.1.1' }))), 'be_a');
    const r = cfg.send('GET http://db:5432/x', { src: '8.8.8.8' });
    assert.equal(pool(where(r)), 'be_b');
    assert.match(r.undecidable.join(' '), /tcp-mode/);
  });
});

describe('HAProxy fetches with arguments they do not take', () => {
  it('`always_true(arg)` is rejected by HAProxy ("no argument supported"): undecidable, never a catch-all (no LB106 on the rules after it)', () => {
    const a = analyzeText('file:///w/haproxy.cfg', [
      'defaults', '  mode http', 'frontend fe', '  bind :80',
      '  http-request deny if { always_true(arg) }',
      '  http-request deny if { path_beg /x }',
      '  default_backend be', 'backend be', '  server s1 10.0.0.1:80',
    ].join('\n'));
    assert.deepEqual(a.diagnostics.filter((d) => d.ruleId === 'LB106'), []);
  });
});

describe('HAProxy backend rules', () => {
  it("a backend's http-request redirect/deny run after use_backend chose it (4.2): those requests never reach its servers", () => {
    const cfg = routes('file:///w/haproxy.cfg', [
      'defaults', '  mode http', 'frontend fe', '  bind :80', '  default_backend be_app',
      'backend be_app', '  http-request redirect scheme https code 301 unless { ssl_fc }', '  server s1 10.0.0.1:80',
    ].join('\n'));
    assert.deepEqual(where(cfg.send('GET http://a.com/x')), { route: 'default_backend be_app', pools: [], outcome: 'redirect', status: 301 });
  });
});
