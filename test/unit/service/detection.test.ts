import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS, formatByPath } from '../../../server/src/service/formats';
import { detectionSample, DETECT_BYTES } from '../../../server/src/formats/detectSample';
import { nginxFormat } from '../../../server/src/formats/nginx';
import { LanguageService } from '../../../server/src/service/languageService';
import { memoryFileSystem } from '../../helpers/edits';

const NGINX = 'events {}\nhttp {\n  upstream a { server 10.0.0.1; server 10.0.0.2 down; }\n  server { listen 80; location / { proxy_pass http://a; } }\n}\n';

test('detection sample: blank lines are left out, lines are cut, the size is bounded', () => {
  assert.equal(detectionSample('\n\n  \r\n\t\nhttp {\r\n\n}\n'), 'http {\n}');
  assert.equal(detectionSample('x'.repeat(10_000)).length, 4096);
  const big = ('server { listen 80; }\n').repeat(100_000);
  assert.ok(detectionSample(big).length <= DETECT_BYTES + 4096);
});

test('detection: 65,536 blank lines before a config take milliseconds, and the config is still recognised', () => {
  const text = '\n'.repeat(65_536) + NGINX;
  const t0 = performance.now();
  const service = new LanguageService({ fileSystem: memoryFileSystem(new Map()), roots: () => [] });
  assert.equal(service.formatOf({ uri: 'file:///w/site.conf', text })?.id, 'nginx');
  assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
});

test('detection: every format answers in bounded time on pathological text', () => {
  const pieces = [' ', '\t', '\r\n', '\n', 'a', '-', '"', '{', '[', ':', ';', '#', 'location ', 'server ', 'kind: ', 'a b ', '- ', '[http.'];
  let worst = 0;
  let worstCase = '';
  for (const p of pieces) {
    for (const text of [p.repeat(Math.ceil(100_000 / p.length)), ('a' + p.repeat(Math.ceil(4000 / p.length)) + '\n').repeat(50), ('location' + p.repeat(Math.ceil(4000 / p.length)) + '\n').repeat(50)]) {
      for (const f of FORMATS) {
        const t0 = performance.now();
        f.detect('file:///w/x.conf', text);
        const dt = performance.now() - t0;
        if (dt > worst) [worst, worstCase] = [dt, `${f.id} on ${JSON.stringify(p)}`];
      }
    }
  }
  assert.ok(worst < 250, `worst ${worst.toFixed(0)} ms: ${worstCase}`);
});

test('detection: HAProxy sections indented as in test scripts are HAProxy (haproxy -c accepts them)', () => {
  const text = '    global\n        nbthread 1\n\n    defaults\n        mode http\n        timeout client 5s\n\n    listen px\n        bind "fd@${px}"\n        balance roundrobin\n        server srv1 ${s1_addr}:${s1_port}\n';
  const service = new LanguageService({ fileSystem: memoryFileSystem(new Map()), roots: () => [] });
  assert.equal(service.formatOf({ uri: 'file:///w/test.cfg', text })?.id, 'haproxy');
});

test('format by path: a file that no longer looks like its format is checked as what its name says, with LB001', () => {
  assert.equal(formatByPath('file:///w/nginx.conf')?.id, 'nginx');
  assert.equal(formatByPath('file:///w/conf.d/site.conf')?.id, 'nginx');
  assert.equal(formatByPath('file:///w/sites-enabled/default')?.id, 'nginx');
  assert.equal(formatByPath('file:///w/sites-available/shop')?.id, 'nginx');
  assert.equal(formatByPath('file:///w/haproxy-edge.cfg')?.id, 'haproxy');
  assert.equal(formatByPath('file:///w/edge.cfg'), undefined);
  assert.equal(formatByPath('file:///w/edge.cfg', (n) => n === 'haproxy.cfg')?.id, 'haproxy');
  assert.equal(formatByPath('file:///w/conf.d/readme.txt'), undefined);

  const broken = 'server {\n  listen 80\n  location / { proxy_pass http://a }\n';
  const files = new Map([['file:///w/haproxy.cfg', 'frontend f\n  bind :80\n'], ['file:///w/edge.cfg', '"unterminated\n']]);
  const service = new LanguageService({ fileSystem: memoryFileSystem(files), roots: () => ['file:///w'] });
  const a = service.analyze({ uri: 'file:///w/conf.d/site.conf', text: broken })!;
  assert.equal(a.format.id, 'nginx');
  assert.ok(a.ownDiagnostics.some((d) => d.ruleId === 'LB001'));
  const h = service.analyze({ uri: 'file:///w/edge.cfg', text: files.get('file:///w/edge.cfg')! })!;
  assert.equal(h.format.id, 'haproxy');
  // Detection by content still wins: YAML in conf.d is not nginx.
  assert.equal(service.formatOf({ uri: 'file:///w/conf.d/x.conf', text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\n' })?.id, 'kubernetes');
});

test('detection runs once per document text, not once per request', () => {
  const service = new LanguageService({ fileSystem: memoryFileSystem(new Map()), roots: () => [] });
  const originals = FORMATS.map((f) => f.detect);
  let calls = 0;
  FORMATS.forEach((f, i) => ((f as { detect: typeof f.detect }).detect = (u, t) => (calls++, originals[i](u, t))));
  try {
    const doc = { uri: 'file:///w/site.conf', text: NGINX, version: 1 };
    for (let i = 0; i < 50; i++) service.analyze(doc);
    const once = calls;
    assert.ok(once > 0 && once <= FORMATS.length, `${once} detect calls`);
    service.analyze({ ...doc, text: NGINX.replace('10.0.0.2 down', '10.0.0.2'), version: 2 });
    assert.ok(calls > once, 'a new text is detected again');
  } finally {
    FORMATS.forEach((f, i) => ((f as { detect: typeof f.detect }).detect = originals[i]));
  }
});

test('fragments: the enclosing nginx.conf is parsed once for all of them (near-linear), and re-parsed when an open file changes', () => {
  const files = new Map<string, string>();
  files.set('file:///w/nginx.conf', 'events {}\nhttp {\n  upstream app { server 10.0.0.1; server 10.0.0.2; }\n  include conf.d/*.conf;\n}\n');
  const N = 400;
  const frag = (i: number) => `server {\n  listen 80;\n  server_name s${i}.example.com;\n  location / { proxy_pass http://app; }\n}\n`;
  for (let i = 0; i < N; i++) files.set(`file:///w/conf.d/s${String(i).padStart(4, '0')}.conf`, frag(i));
  const open = new Map<string, string>();
  const service = new LanguageService({ fileSystem: memoryFileSystem(files), roots: () => ['file:///w'], openText: (u) => open.get(u) });
  const parse = nginxFormat.parse;
  let rootParses = 0;
  nginxFormat.parse = (uri, text, host) => {
    if (uri.endsWith('/nginx.conf')) rootParses++;
    return parse.call(nginxFormat, uri, text, host);
  };
  try {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const uri = `file:///w/conf.d/s${String(i).padStart(4, '0')}.conf`;
      const a = service.analyze({ uri, text: files.get(uri)! })!;
      assert.equal(a.model.closedWorld, true);
    }
    assert.equal(rootParses, 1);
    assert.ok(performance.now() - t0 < 20_000);
    // The editor: an open fragment's new text is seen by the configuration analysed for it.
    const uri = 'file:///w/conf.d/s0000.conf';
    const routesToApp = (a: ReturnType<typeof service.analyze>) => a!.model.routes.filter((r) => r.source.uri === uri && r.target.kind === 'pool').length;
    assert.equal(routesToApp(service.analyze({ uri, text: files.get(uri)! })), 1);
    open.set(uri, frag(0).replace('proxy_pass http://app;', 'return 200;'));
    const a = service.analyze({ uri, text: open.get(uri)! })!;
    assert.equal(rootParses, 2);
    assert.equal(routesToApp(a), 0);
  } finally {
    nginxFormat.parse = parse;
  }
});
