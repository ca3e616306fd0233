/**
 * The routing engine against a real nginx (optional: skipped when the `nginx` binary is absent).
 *
 * One nginx is started in a temporary prefix (`nginx -p DIR -c DIR/nginx.conf -g 'daemon off; error_log stderr; …'`) on free
 * local ports; every upstream is a tiny Node HTTP server that answers with its own name. Each request is sent over
 * a raw HTTP/1.0 socket (so that requests without a Host header can be sent too) and what answered — an upstream's
 * name, a redirect or a status — is compared with what `routeRequest` says for the same config and request.
 * Requests the engine reports as undecidable (file tests, variables set by `set`, `rewrite … last`) are counted
 * apart: they must be reported undecidable, never answered wrongly.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RoutingResult } from '../../server/src/analysis/routing/engine';
import { rng } from '../helpers/randomEdits';
import { routes } from '../helpers/routing';

const HAVE_NGINX = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).error === undefined;
/** TLS probes need a certificate, made with openssl when it is there. */
const HAVE_OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' }).error === undefined;
const SKIP = HAVE_NGINX ? false : 'skipped: the nginx binary is not installed (apt-get install nginx)';

interface Probe {
  /** Port placeholder (`P1`…) the request is sent to. */
  port: string;
  host?: string;
  path: string;
  method?: string;
  headers?: string[];
  /** Address connected to (127.0.0.1 by default). */
  address?: string;
  /** Over TLS, with the host as SNI. */
  tls?: boolean;
}

/**
 * The configurations: `{{P1}}`… are free ports; every `proxy_pass http://NAME` gets an `upstream NAME` whose one
 * server is a Node server answering "up:NAME".
 */
const SERVERS = `
  # ---- server_name precedence (Server names; How nginx processes a request) ----
  server { listen {{P1}}; server_name first.test; location / { proxy_pass http://sn_first; } }
  server { listen {{P1}}; server_name a.test www.a.test; location / { proxy_pass http://sn_exact; } }
  server { listen {{P1}}; server_name *.a.test; location / { proxy_pass http://sn_star_a; } }
  server { listen {{P1}}; server_name *.x.a.test; location / { proxy_pass http://sn_star_xa; } }
  server { listen {{P1}}; server_name www.*; location / { proxy_pass http://sn_www_star; } }
  server { listen {{P1}}; server_name www.a.*; location / { proxy_pass http://sn_www_a_star; } }
  server { listen {{P1}}; server_name .dot.test; location / { proxy_pass http://sn_dot; } }
  server { listen {{P1}}; server_name ~^re(\\d+)\\.test$; location / { proxy_pass http://sn_re1; } }
  server { listen {{P1}}; server_name ~^re1\\d*\\.test$ ~^(www\\.)?a\\.test$ ~^UP\\.test$; location / { proxy_pass http://sn_re2; } }
  server { listen {{P1}} default_server; server_name def.test; location / { proxy_pass http://sn_default; } }
  server { listen {{P1}}; server_name ""; location / { proxy_pass http://sn_empty; } }
  server { listen {{P1}}; server_name _; location / { proxy_pass http://sn_underscore; } }

  # ---- default server without default_server: the first one on the port ----
  server { listen {{P2}}; server_name p2a.test; location / { proxy_pass http://d2_first; } }
  server { listen {{P2}}; server_name p2b.test; location / { proxy_pass http://d2_second; } }
  server { listen {{P2}}; location / { proxy_pass http://d2_noname; } }

  # ---- address-specific sockets: a wildcard server is not among the servers of 127.0.0.1:P3 ----
  server { listen 127.0.0.1:{{P3}}; server_name lo1.test; location / { proxy_pass http://sock_lo1; } }
  server { listen {{P3}}; server_name s.test; location / { proxy_pass http://sock_wild; } }

  # ---- location precedence (ngx_http_core_module location) ----
  server {
    listen {{P4}};
    server_name loc.test;
    location = / { proxy_pass http://l_root_exact; }
    location / { proxy_pass http://l_root; }
    location /docs/ { proxy_pass http://l_docs; }
    location /docs/api/ { proxy_pass http://l_docs_api; }
    location ^~ /static/ { proxy_pass http://l_static; }
    location ~ \\.(png|jpg)$ { proxy_pass http://l_img; }
    location ~* \\.PDF$ { proxy_pass http://l_pdf; }
    location ~ ^/docs/api/v2 { proxy_pass http://l_v2_regex; }
    location ~ /img { proxy_pass http://l_img_short; }
    location ~ /img/large { proxy_pass http://l_img_large; }
    location = /exact { proxy_pass http://l_exact; }
    location /exact { proxy_pass http://l_exact_prefix; }
    location /nest/ {
      proxy_pass http://l_nest;
      location /nest/inner/ { proxy_pass http://l_nest_inner; }
      location ~ \\.json$ { proxy_pass http://l_nest_json; }
      location = /nest/exact { proxy_pass http://l_nest_exact; }
    }
    location ^~ /caret/ {
      proxy_pass http://l_caret;
      location ~ \\.json$ { proxy_pass http://l_caret_json; }
    }
    location ~ \\.json$ { proxy_pass http://l_json; }
    location ~ /nest/inner/special { proxy_pass http://l_special; }
    location ~ ^/rx/ {
      proxy_pass http://l_rx;
      location ~ /sub/ { proxy_pass http://l_rx_sub; }
    }
    location @named { proxy_pass http://l_named; }
    location /tf/ { try_files $uri @named; }
  }
  server { listen {{P4}}; server_name noloc.test; location /only/ { proxy_pass http://n_only; } }

  # ---- if blocks (ngx_http_rewrite_module if) ----
  server {
    listen {{P5}};
    server_name if.test www.if.test other.test;
    location /m/ { proxy_pass http://i_default; if ($request_method = POST) { proxy_pass http://i_post; } }
    location /h/ {
      proxy_pass http://i_default;
      if ($http_x_canary = yes) { proxy_pass http://i_canary; }
      if ($http_x_beta) { proxy_pass http://i_beta; }
    }
    location /a/ { if ($arg_debug) { return 210; } if ($arg_v = 2) { return 211; } proxy_pass http://i_default; }
    location /c/ { if ($cookie_session ~* ^ADMIN) { proxy_pass http://i_admin; } proxy_pass http://i_default; }
    location /host/ { if ($host ~ ^www\\.) { return 212; } if ($host != if.test) { return 213; } proxy_pass http://i_default; }
    location /u/ { if ($uri ~ /u/deep/) { return 214; } if ($request_uri ~ "\\?q=") { return 215; } if ($scheme = https) { return 216; } proxy_pass http://i_default; }
    location /neg/ { if ($http_x_a !~ ^ok$) { return 217; } if ($http_x_b !~* ^OK$) { return 218; } proxy_pass http://i_default; }
    location /ret/ { if ($arg_p) { proxy_pass http://i_post; } return 219; }
    location /brk/ { if ($arg_p) { proxy_pass http://i_post; break; } return 220; }
    location /empty/ { if ($http_x_e = "") { return 221; } proxy_pass http://i_default; }
    location /file/ { if (-f $request_filename) { return 222; } proxy_pass http://i_default; }
    location /set/ { set $flag 1; if ($flag) { return 223; } proxy_pass http://i_default; }
    location /args/ { if ($args ~ (^|&)x=1(&|$)) { return 224; } proxy_pass http://i_default; }
    location /absent/ { if ($http_x_m ~ ^$) { return 225; } if ($http_x_n ~* ^A) { return 226; } proxy_pass http://i_default; }
    location /rbr/ { rewrite ^/rbr/a /x break; return 227; proxy_pass http://i_default; }
    location /ib/ { if ($arg_s) { break; } return 228; proxy_pass http://i_default; }
    location /mix/ {
      proxy_pass http://i_default;
      if ($arg_a) { proxy_pass http://i_post; }
      if ($arg_b) { return 229; }
      if ($arg_c) { proxy_pass http://i_canary; }
    }
  }

  # ---- return and rewrite (ngx_http_rewrite_module) ----
  server {
    listen {{P6}};
    server_name rw.test;
    if ($http_x_block) { return 403; }
    rewrite ^/old/(.*)$ /new/$1 permanent;
    rewrite ^/tmp/ /x redirect;
    location / { proxy_pass http://r_default; }
    location /go/ { return 301 https://example.com/; }
    location /gone/ { return 410; }
    location /r/ { rewrite ^/r/(.*)$ https://example.com/$1; proxy_pass http://r_default; }
    location /rb/ { rewrite ^/rb/(.*)$ /other/$1 break; proxy_pass http://r_rb; }
    location /rl/ { rewrite ^/rl/(.*)$ /new/$1 last; proxy_pass http://r_default; }
    location /both/ { proxy_pass http://r_unused; return 404; }
  }
  server { listen {{P6}}; server_name redirect.test; return 301 https://redirect.test$request_uri; }
`;

/** TLS: \`ssl\` on one listen makes the address:port TLS for every server on it; $scheme and $https. */
const TLS_SERVERS = `
  server {
    listen {{P7}} ssl;
    server_name tls.test;
    location / { proxy_pass http://t_tls; }
    location /s/ { if ($scheme = https) { return 230; } proxy_pass http://t_tls; }
    location /h/ { if ($https) { return 231; } proxy_pass http://t_tls; }
  }
  server { listen {{P7}}; server_name plain.test; location / { proxy_pass http://t_plain; } }
`;

const PROBES: Record<string, Probe[]> = {
  'server_name: exact, longest leading wildcard, longest trailing wildcard, first regex, default_server': [
    ...['first.test', 'a.test', 'A.TEST', 'www.a.test', 'a.test:8080', 'b.a.test', 'x.a.test', 'y.x.a.test', 'z.y.x.a.test',
      'www.example.org', 'www.a.org', 'dot.test', 'q.dot.test', 'r.q.dot.test', 're5.test', 're1.test', 're12.test', 'up.test',
      'UP.test', 'unknown.test', 'def.test', '_', 'localhost'].map((host) => ({ port: 'P1', host, path: '/' })),
    { port: 'P1', path: '/' },
  ],
  'default server: the first server on the port without default_server; "" for servers without server_name': [
    { port: 'P2', host: 'p2a.test', path: '/' },
    { port: 'P2', host: 'p2b.test', path: '/' },
    { port: 'P2', host: 'zz.test', path: '/' },
    { port: 'P2', path: '/' },
  ],
  'listen: an address-specific socket has its own servers and default': [
    { port: 'P3', host: 'lo1.test', path: '/', address: '127.0.0.1' },
    { port: 'P3', host: 's.test', path: '/', address: '127.0.0.1' },
    { port: 'P3', host: 's.test', path: '/', address: '127.0.0.2' },
    { port: 'P3', host: 'lo1.test', path: '/', address: '127.0.0.2' },
  ],
  'location: =, ^~, regexes in order, ~*, longest prefix, nested, named': [
    ...['/', '/x', '/docs/', '/docs/a', '/docs/api/x', '/docs/api/v2/x', '/static/a.png', '/a/b.png', '/a/b.JPG', '/f.pdf', '/F.PDF',
      '/img/large/x', '/imgx', '/exact', '/exact/x', '/exactly', '/nest/x', '/nest/inner/x', '/nest/a.json', '/nest/inner/a.json',
      '/nest/inner/special', '/nest/exact', '/nest/exact.json', '/other.json', '/caret/a.json', '/caret/x', '/rx/a', '/rx/sub/a', '/rx/sub/a.json',
      '/@named', '/docs', '/DOCS/', '/tf/x'].map((path) => ({ port: 'P4', host: 'loc.test', path })),
    { port: 'P4', host: 'noloc.test', path: '/x' },
    { port: 'P4', host: 'noloc.test', path: '/only/a' },
  ],
  'if: conditions on method, headers, arguments, cookies, host, uri, scheme; last match wins, return stops': [
    { port: 'P5', host: 'if.test', path: '/m/x' },
    { port: 'P5', host: 'if.test', path: '/m/x', method: 'POST' },
    { port: 'P5', host: 'if.test', path: '/m/x', method: 'PUT' },
    { port: 'P5', host: 'if.test', path: '/h/x' },
    { port: 'P5', host: 'if.test', path: '/h/x', headers: ['X-Canary: yes'] },
    { port: 'P5', host: 'if.test', path: '/h/x', headers: ['X-Canary: YES'] },
    { port: 'P5', host: 'if.test', path: '/h/x', headers: ['X-Beta: 1'] },
    { port: 'P5', host: 'if.test', path: '/h/x', headers: ['X-Beta: 0'] },
    { port: 'P5', host: 'if.test', path: '/h/x', headers: ['X-Canary: yes', 'X-Beta: on'] },
    { port: 'P5', host: 'if.test', path: '/a/x' },
    { port: 'P5', host: 'if.test', path: '/a/x?debug=1' },
    { port: 'P5', host: 'if.test', path: '/a/x?debug=0' },
    { port: 'P5', host: 'if.test', path: '/a/x?debug=' },
    { port: 'P5', host: 'if.test', path: '/a/x?v=2' },
    { port: 'P5', host: 'if.test', path: '/a/x?v=2&debug=yes' },
    { port: 'P5', host: 'if.test', path: '/a/x?v=3' },
    { port: 'P5', host: 'if.test', path: '/c/x' },
    { port: 'P5', host: 'if.test', path: '/c/x', headers: ['Cookie: a=1; session=admin-42'] },
    { port: 'P5', host: 'if.test', path: '/c/x', headers: ['Cookie: session=user'] },
    { port: 'P5', host: 'if.test', path: '/host/x' },
    { port: 'P5', host: 'www.if.test', path: '/host/x' },
    { port: 'P5', host: 'other.test', path: '/host/x' },
    { port: 'P5', host: 'IF.TEST', path: '/host/x' },
    { port: 'P5', host: 'if.test', path: '/u/x' },
    { port: 'P5', host: 'if.test', path: '/u/deep/x' },
    { port: 'P5', host: 'if.test', path: '/u/x?q=1' },
    { port: 'P5', host: 'if.test', path: '/neg/x' },
    { port: 'P5', host: 'if.test', path: '/neg/x', headers: ['X-A: ok'] },
    { port: 'P5', host: 'if.test', path: '/neg/x', headers: ['X-A: ok', 'X-B: Ok'] },
    { port: 'P5', host: 'if.test', path: '/ret/x' },
    { port: 'P5', host: 'if.test', path: '/ret/x?p=1' },
    { port: 'P5', host: 'if.test', path: '/brk/x' },
    { port: 'P5', host: 'if.test', path: '/brk/x?p=1' },
    { port: 'P5', host: 'if.test', path: '/empty/x' },
    { port: 'P5', host: 'if.test', path: '/empty/x', headers: ['X-E: 1'] },
    { port: 'P5', host: 'if.test', path: '/file/x' },
    { port: 'P5', host: 'if.test', path: '/set/x' },
    { port: 'P5', host: 'if.test', path: '/args/x?x=1' },
    { port: 'P5', host: 'if.test', path: '/args/x?y=2&x=1' },
    { port: 'P5', host: 'if.test', path: '/args/x?x=10' },
    { port: 'P5', host: 'if.test', path: '/absent/x' },
    { port: 'P5', host: 'if.test', path: '/absent/x', headers: ['X-M: 1'] },
    { port: 'P5', host: 'if.test', path: '/absent/x', headers: ['X-M: 1', 'X-N: abc'] },
    { port: 'P5', host: 'if.test', path: '/rbr/a' },
    { port: 'P5', host: 'if.test', path: '/rbr/b' },
    { port: 'P5', host: 'if.test', path: '/ib/x' },
    { port: 'P5', host: 'if.test', path: '/ib/x?s=1' },
    ...['', '?a=1', '?b=1', '?c=1', '?a=1&b=1', '?a=1&c=1', '?b=1&c=1', '?a=1&b=1&c=1'].map((q) => ({ port: 'P5', host: 'if.test', path: `/mix/x${q}` })),
  ],
  'return and rewrite: server-level statements first, redirects, break stays, last is undecidable': [
    ...['/', '/old/a', '/tmp/a', '/go/x', '/gone/x', '/r/a', '/rb/a', '/rl/a', '/both/a', '/new/old/a'].map((path) => ({ port: 'P6', host: 'rw.test', path })),
    { port: 'P6', host: 'rw.test', path: '/old/a', headers: ['X-Block: 1'] },
    { port: 'P6', host: 'rw.test', path: '/x', headers: ['X-Block: 0'] },
    { port: 'P6', host: 'redirect.test', path: '/anything' },
  ],
  ...(HAVE_OPENSSL ? {
    'TLS: ssl on one listen makes the socket TLS for every server on it; $scheme and $https': [
      { port: 'P7', host: 'tls.test', path: '/', tls: true },
      { port: 'P7', host: 'plain.test', path: '/', tls: true },
      { port: 'P7', host: 'other.test', path: '/', tls: true },
      { port: 'P7', host: 'tls.test', path: '/s/x', tls: true },
      { port: 'P7', host: 'tls.test', path: '/h/x', tls: true },
    ],
  } : {}),
};

// ---- harness ---------------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

/** One HTTP/1.0 request over a raw socket (so a request may have no Host header). */
function send(address: string, port: number, p: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = p.tls ? connectTls({ port, host: address, servername: p.host?.replace(/:\d+$/, ''), rejectUnauthorized: false }) : connect(port, address);
    const chunks: Buffer[] = [];
    sock.setTimeout(5000, () => sock.destroy(new Error('timeout')));
    sock.on(p.tls ? 'secureConnect' : 'connect', () => {
      const lines = [`${p.method ?? 'GET'} ${p.path} HTTP/1.0`];
      if (p.host !== undefined) lines.push(`Host: ${p.host}`);
      for (const h of p.headers ?? []) lines.push(h);
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? 0);
      const location = /\r\nLocation: ([^\r\n]*)/i.exec(head)?.[1];
      resolve({ status, body: text.slice(head.length + 4), location });
    });
  });
}

/** What answered, as one comparable string. */
function observed(a: Answer): string {
  if (a.status === 200 && a.body.startsWith('up:')) return `pool ${a.body.slice(3).trim()}`;
  // The codes nginx's `return` treats as redirects (others, 304 or 309 included, are plain statuses).
  if ([301, 302, 303, 307, 308].includes(a.status)) return `redirect ${a.status}`;
  return `status ${a.status}`;
}

function predicted(r: RoutingResult): string {
  switch (r.outcome) {
    case 'pool': return `pool ${r.pools.map((p) => p.pool.name).join('+')}`;
    case 'redirect': return `redirect ${r.status}`;
    default: return `status ${r.status ?? '?'}`;
  }
}

describe('nginx oracle: the routing engine against a real nginx', { skip: SKIP }, () => {
  let dir = '';
  let nginx: ChildProcess | undefined;
  let stderr = '';
  const upstreams: Server[] = [];
  const ports = new Map<string, number>();
  let config = '';
  let cfg: ReturnType<typeof routes>;
  const totals = { agree: 0, undecidable: 0, disagree: 0 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-lens-nginx-oracle-'));
    mkdirSync(join(dir, 'logs'));
    let template = SERVERS;
    let tlsDirectives = '';
    if (HAVE_OPENSSL) {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=tls.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
      template += TLS_SERVERS;
      tlsDirectives = `  ssl_certificate ${join(dir, 'cert.pem')};\n  ssl_certificate_key ${join(dir, 'key.pem')};\n`;
    }
    for (const k of new Set([...template.matchAll(/\{\{(P\d+)\}\}/g)].map((m) => m[1]))) ports.set(k, await freePort());
    const names = [...new Set([...template.matchAll(/proxy_pass http:\/\/(\w+)/g)].map((m) => m[1]))];
    const blocks: string[] = [];
    for (const name of names) {
      const server = createServer((_req, res) => res.end(`up:${name}\n`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      upstreams.push(server);
      blocks.push(`  upstream ${name} { server 127.0.0.1:${(server.address() as { port: number }).port}; }`);
    }
    const servers = template.replace(/\{\{(P\d+)\}\}/g, (_m, k: string) => String(ports.get(k)));
    config = `events { worker_connections 256; }\nhttp {\n  access_log off;\n${tlsDirectives}${blocks.join('\n')}\n${servers}\n}\n`;
    writeFileSync(join(dir, 'nginx.conf'), config);
    // `error_log stderr` through -g rather than `-e` (nginx ≥ 1.19.5 only); one process, stopped with SIGTERM.
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; master_process off; pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr!.on('data', (c) => (stderr += String(c)));
    // Ready when every port answers.
    const deadline = Date.now() + 10_000;
    for (const [key, port] of ports) {
      for (;;) {
        const ok = await send('127.0.0.1', port, { port: '', path: '/', host: 'probe.invalid', tls: key === 'P7' }).then(() => true, () => false);
        if (ok) break;
        if (nginx.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    cfg = routes('file:///oracle/nginx.conf', config);
  });

  after(() => {
    nginx?.kill('SIGTERM');
    for (const s of upstreams) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (totals.agree + totals.disagree + totals.undecidable > 0) {
      console.log(`nginx oracle: ${totals.agree} requests agree, ${totals.undecidable} undecidable (reported as such), ${totals.disagree} disagree`);
    }
  });

  it('the configuration has no LB001/LB002 problems (nginx accepts it, so must lb-lens)', () => {
    assert.deepEqual(cfg.analysis.model.problems.map((p) => p.message), []);
  });

  for (const [topic, probes] of Object.entries(PROBES)) {
    it(topic, async (t) => {
      const wrong: string[] = [];
      for (const p of probes) {
        const port = ports.get(p.port)!;
        const address = p.address ?? '127.0.0.1';
        const answer = await send(address, port, p);
        const url = `${p.method ?? 'GET'} ${p.tls ? 'https' : 'http'}://${p.host === undefined ? '' : p.host.replace(/:\d+$/, '')}${p.path}`;
        const results = cfg.all(p.host === undefined ? `${p.method ?? 'GET'} ${p.path}` : url, {
          port,
          headers: [...(p.host !== undefined ? [`Host: ${p.host}`] : []), ...(p.headers ?? [])],
        });
        // The socket the request reached: the one bound to its address, else the wildcard one.
        const result = results.find((r) => r.bind?.address === address) ?? results.find((r) => r.bind?.address === undefined);
        const label = `${p.method ?? 'GET'} ${p.host ?? '(no Host)'}${p.path}${p.headers?.length ? ` [${p.headers.join('; ')}]` : ''} via ${address}`;
        const real = observed(answer);
        if (!result) {
          wrong.push(`${label}: nginx ${real}, engine: no result`);
          totals.disagree++;
          continue;
        }
        const engine = predicted(result);
        if (result.undecidable.length > 0 && engine !== real) {
          totals.undecidable++;
          t.diagnostic(`${label}: undecidable (${result.undecidable[0]}); nginx ${real}`);
          continue;
        }
        if (engine === real) totals.agree++;
        else {
          totals.disagree++;
          wrong.push(`${label}: nginx ${real}, engine ${engine} (${result.route?.name ?? 'no route'})`);
        }
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${probes.length} requests routed differently from nginx:\n${wrong.join('\n')}`);
    });
  }
});

// ---- random location trees -------------------------------------------------------------------------------------

/**
 * Seeded random `location` sets (exact, prefix, `^~`, `~`, `~*`, nested, `if`s on a query parameter, proxy_pass with
 * the trailing-slash redirect), each served by a fresh nginx, probed with paths built from the same pieces.
 * Locations answer with their own status code (`return 2NN`) or proxy to an upstream named after them.
 */
function randomLocations(next: () => number): { body: string; paths: string[] } {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const segs = ['a', 'b', 'ab', 'img', 'x.png', 'y.json', 'Z.PNG', 'r', 'old', 'A'];
  const prefixes = ['/', '/a', '/a/', '/a/b/', '/ab', '/b/', '/img/', '/a/img/'];
  const regexes = ['\\.png$', '\\.json$', '^/a/b', '/b', 'img', '^/ab', '\\.(png|json)$', 'a/i'];
  let code = 200;
  const used = new Set<string>();
  const lines: string[] = [];
  /** A location's body: a handler (proxy_pass or return) and, sometimes, rewrite-module statements in random order. */
  const answer = () => {
    code++;
    const c = code;
    const statements = [
      `if ($arg_q = ${c}) { return ${c + 300}; }`,
      `if ($arg_p) { proxy_pass http://r_${c}_p; }`,
      `if ($arg_k) { proxy_pass http://r_${c}_k; break; }`,
      `if ($arg_s ~ ^${c % 10}) { return ${c + 200}; }`,
      'rewrite ^/r/(.*)$ /other/$1 break;',
      `rewrite ^/r/x /moved${c} permanent;`,
      `if ($request_method = POST) { return ${c + 100}; }`,
    ];
    const body: string[] = [];
    if (next() < 0.4) for (let i = Math.floor(next() * 3); i >= 0; i--) body.push(pick(statements));
    const handler = next() < 0.35 ? `proxy_pass http://r_${c};` : `return ${c};`;
    body.splice(Math.floor(next() * (body.length + 1)), 0, handler);
    if (handler.startsWith('return') && next() < 0.3) body.push(`proxy_pass http://r_${c}_x;`);
    return body.join(' ');
  };
  const location = (depth: number, within: string | undefined, regexParent: boolean): string => {
    for (let tries = 0; tries < 10; tries++) {
      const kind = regexParent ? pick(['~', '~*']) : pick(['=', '', '^~', '~', '~*', '', '~']);
      let value: string;
      if (kind === '~' || kind === '~*') value = pick(regexes);
      else {
        value = pick(prefixes);
        if (within !== undefined && !value.startsWith(within)) continue;
      }
      const key = `${depth}:${within ?? ''}:${kind === '~*' ? '~' : kind === '^~' ? '' : kind}:${value}`;
      if (used.has(key)) continue;
      used.add(key);
      const nested: string[] = [];
      if (depth === 0 && kind !== '=' && next() < 0.3) {
        for (let i = 0; i < 2; i++) nested.push(location(1, kind === '~' || kind === '~*' ? undefined : value, kind === '~' || kind === '~*'));
      }
      return `location ${kind ? `${kind} ` : ''}${value} { ${answer()} ${nested.filter(Boolean).join(' ')} }`;
    }
    return '';
  };
  const n = 4 + Math.floor(next() * 7);
  // Server-level statements run before any location.
  if (next() < 0.3) lines.push(pick(['if ($arg_z) { return 451; }', 'rewrite ^/old/(.*)$ /new/$1 permanent;', 'if ($http_x_block = 1) { return 403; }', 'rewrite ^/old/ /a/ break;']));
  for (let i = 0; i < n; i++) lines.push(location(0, undefined, false));
  const paths = new Set<string>(['/', '/a', '/a/', '/ab', '/b', '/img']);
  for (let i = 0; i < 24; i++) {
    const depth = 1 + Math.floor(next() * 3);
    let p = '';
    for (let j = 0; j < depth; j++) p += `/${pick(segs)}`;
    if (next() < 0.2) p += '/';
    const query = pick(['', '', '', `?q=${201 + Math.floor(next() * (code - 200))}`, '?p=1', '?k=1', '?p=1&k=1', `?s=${Math.floor(next() * 10)}`, '?z=1', '?p=0']);
    paths.add(`${p}${query}`);
  }
  return { body: lines.filter(Boolean).join('\n    '), paths: [...paths].map((p) => (next() < 0.2 ? `POST ${p}` : p)) };
}

describe('nginx oracle: random location trees against a real nginx', { skip: SKIP }, () => {
  it('agrees on every request of 40 seeded random configurations', async (t) => {
    const next = rng(2024);
    const dir = mkdtempSync(join(tmpdir(), 'lb-lens-nginx-random-'));
    mkdirSync(join(dir, 'logs'));
    const upstreams = new Map<string, { server: Server; port: number }>();
    const totals = { configs: 0, rejected: 0, agree: 0, undecidable: 0 };
    const wrong: string[] = [];
    try {
      for (let c = 0; c < 40; c++) {
        const { body, paths } = randomLocations(next);
        for (const name of new Set([...body.matchAll(/proxy_pass http:\/\/(\w+)/g)].map((m) => m[1]))) {
          if (upstreams.has(name)) continue;
          const server = createServer((_req, res) => res.end(`up:${name}\n`));
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          upstreams.set(name, { server, port: (server.address() as { port: number }).port });
        }
        const port = await freePort();
        const ups = [...upstreams].map(([name, u]) => `  upstream ${name} { server 127.0.0.1:${u.port}; }`).join('\n');
        const config = `events { worker_connections 64; }\nhttp {\n  access_log off;\n${ups}\n  server {\n    listen 127.0.0.1:${port};\n    ${body}\n  }\n}\n`;
        writeFileSync(join(dir, 'nginx.conf'), config);
        const check = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { encoding: 'utf8' });
        if (check.status !== 0) {
          totals.rejected++;
          continue;
        }
        totals.configs++;
        const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; master_process off; pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { stdio: 'ignore' });
        try {
          const deadline = Date.now() + 5000;
          while (!(await send('127.0.0.1', port, { port: '', path: '/', host: 'r.test' }).then(() => true, () => false))) {
            if (Date.now() > deadline) throw new Error(`nginx did not start for:\n${config}`);
            await new Promise((r) => setTimeout(r, 30));
          }
          const cfg = routes('file:///oracle/random.conf', config);
          for (const request of paths) {
            const [method, path] = request.startsWith('POST ') ? ['POST', request.slice(5)] : ['GET', request];
            const real = observed(await send('127.0.0.1', port, { port: '', path, host: 'r.test', method }));
            const result = cfg.all(`${method} http://r.test${path}`, { port })[0];
            const engine = result ? predicted(result) : 'no result';
            // Static files (no status known statically): nginx answers 404 when the file does not exist.
            // 444 and 408 close the connection without a response (status 0 here).
            const closes = real === 'status 0' && (engine === 'status 444' || engine === 'status 408');
            if (engine === real || closes || (engine === 'status ?' && real === 'status 404')) totals.agree++;
            else if (result && result.undecidable.length) totals.undecidable++;
            else wrong.push(`${request}: nginx ${real}, engine ${engine} (${result?.route?.name ?? 'no route'})\n${body}`);
          }
        } finally {
          nginx.kill('SIGTERM');
          await new Promise((r) => nginx.once('exit', r));
        }
      }
    } finally {
      for (const u of upstreams.values()) u.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    t.diagnostic(`random trees: ${totals.configs} configurations (${totals.rejected} rejected by nginx -t), ${totals.agree} requests agree, ${totals.undecidable} undecidable, ${wrong.length} disagree`);
    console.log(`nginx oracle (random trees): ${totals.configs} configs, ${totals.agree} agree, ${totals.undecidable} undecidable, ${wrong.length} disagree`);
    assert.ok(totals.configs >= 30, `${totals.configs} configurations accepted by nginx`);
    assert.deepEqual(wrong, []);
  });
});

// ---- random server names ---------------------------------------------------------------------------------------

describe('nginx oracle: random server_name sets against a real nginx', { skip: SKIP }, () => {
  it('picks the same server for every Host of 30 seeded random configurations (exact, wildcards, regexes, "", _, default_server), and LB111 names the conflicting server names nginx -t warns about', async (t) => {
    const next = rng(7);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
    const labels = ['a', 'b', 'www', 'mail', 'x'];
    const tlds = ['test', 'org', 'a.test'];
    const dir = mkdtempSync(join(tmpdir(), 'lb-lens-nginx-names-'));
    mkdirSync(join(dir, 'logs'));
    const wrong: string[] = [];
    const totals = { configs: 0, agree: 0, conflicts: 0 };
    try {
      for (let c = 0; c < 30; c++) {
        const port = await freePort();
        const servers: string[] = [];
        const n = 3 + Math.floor(next() * 6);
        for (let i = 0; i < n; i++) {
          const names: string[] = [];
          for (let k = 0; k < 1 + Math.floor(next() * 2); k++) {
            const l = pick(labels);
            const tld = pick(tlds);
            const escaped = tld.replace('.', '\\.');
            names.push(pick([`${l}.${tld}`, `*.${tld}`, `*.${l}.${tld}`, `${l}.*`, `${l}.${l}.*`, `.${l}.${tld}`, `~^${l}\\.`, `~${escaped}$`,
              `~^(${l}|${pick(labels)})\\.${escaped}$`, '""', '_', `${l.toUpperCase()}.${tld}`]));
          }
          const named = next() < 0.9 ? ` server_name ${names.join(' ')};` : '';
          servers.push(`server { listen 127.0.0.1:${port}${next() < 0.2 ? ' default_server' : ''};${named} return ${201 + i}; }`);
        }
        const config = `events { worker_connections 64; }\nhttp {\n  access_log off;\n  server_names_hash_bucket_size 128;\n  ${servers.join('\n  ')}\n}\n`;
        writeFileSync(join(dir, 'nginx.conf'), config);
        // Conflicting names are only warnings ("conflicting server name … ignored"): those configurations are kept.
        const check = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { encoding: 'utf8' });
        if (check.status !== 0) continue;
        totals.configs++;
        // LB111 names exactly the names nginx warns about: `conflicting server name "x" on addr:port, ignored`.
        const warned = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { encoding: 'utf8' });
        const conflicting = [...warned.stderr.matchAll(/conflicting server name "([^"]*)"/g)].map((m) => m[1] === '' ? '""' : m[1]).sort();
        const lb111 = routes('file:///oracle/names.conf', config).analysis.diagnostics.filter((d) => d.ruleId === 'LB111').map((d) => (/^server_name (\S+) on /.exec(d.message)?.[1] ?? d.message).toLowerCase()).sort();
        totals.conflicts += conflicting.length;
        if (JSON.stringify(lb111) !== JSON.stringify(conflicting)) wrong.push(`conflicting names: nginx ${JSON.stringify(conflicting)}, LB111 ${JSON.stringify(lb111)}\n  ${servers.join('\n  ')}`);
        const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; master_process off; pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { stdio: 'ignore' });
        try {
          const deadline = Date.now() + 5000;
          while (!(await send('127.0.0.1', port, { port: '', path: '/', host: 'probe.test' }).then(() => true, () => false))) {
            if (Date.now() > deadline) throw new Error(`nginx did not start for:\n${config}`);
            await new Promise((r) => setTimeout(r, 30));
          }
          const cfg = routes('file:///oracle/names.conf', config);
          const hosts = new Set<string | undefined>([undefined, '_', 'zzz.test']);
          for (let h = 0; h < 25; h++) hosts.add(`${next() < 0.1 ? 'W' : ''}${[pick(labels), ...(next() < 0.5 ? [pick(labels)] : []), pick(tlds)].join('.')}`);
          for (const host of hosts) {
            const real = (await send('127.0.0.1', port, { port: '', path: '/', host })).status;
            const result = cfg.all(host === undefined ? 'GET /' : `GET http://${host}/`, { port })[0];
            if (result?.status === real) totals.agree++;
            else wrong.push(`Host ${host ?? '(none)'}: nginx ${real}, engine ${result?.status} (${result?.site?.name ?? 'no site'})\n  ${servers.join('\n  ')}`);
          }
        } finally {
          nginx.kill('SIGTERM');
          await new Promise((r) => nginx.once('exit', r));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    t.diagnostic(`random names: ${totals.configs} configurations, ${totals.agree} requests agree, ${totals.conflicts} conflicting names warned by nginx and reported by LB111, ${wrong.length} disagree`);
    console.log(`nginx oracle (random names): ${totals.configs} configs, ${totals.agree} agree, ${totals.conflicts} conflicting names, ${wrong.length} disagree`);
    assert.ok(totals.configs >= 15, `${totals.configs} configurations accepted by nginx`);
    assert.ok(totals.conflicts >= 10, `the random sets exercise name conflicts (${totals.conflicts})`);
    assert.deepEqual(wrong, []);
  });
});
