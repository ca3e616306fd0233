import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGlob, matchGlob } from '../../../server/src/service/glob';
import { createFormatHost, GLOB_LIMITS } from '../../../server/src/service/host';
import { createNodeFileSystem } from '../../../server/src/node/nodeFileSystem';
import { excludeMatcher, walkFiles } from '../../../server/src/cli/walk';
import { LanguageService } from '../../../server/src/service/languageService';
import type { FileSystem } from '../../../server/src/service/fileSystem';
import { pathToUri } from '../../../server/src/service/uri';

/** An in-memory file system: path → text. */
function memfs(files: Record<string, string>, dirs: string[] = []): FileSystem & { listed: string[] } {
  const uris = new Map(Object.entries(files).map(([p, t]) => [`file://${p}`, t]));
  const listed: string[] = [];
  return {
    listed,
    readFile: (uri) => uris.get(uri),
    readDirectory(uri) {
      listed.push(uri);
      const prefix = `${uri.replace(/\/$/, '')}/`;
      const names = new Map<string, boolean>();
      for (const u of [...uris.keys(), ...dirs.map((d) => `file://${d}/`)]) {
        if (!u.startsWith(prefix)) continue;
        const rest = u.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (rest) names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
      }
      return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

const IS_ROOT = process.getuid?.() === 0;

function tempDir(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-boundary-')));
}

// ---- glob -----------------------------------------------------------------------------------------------

test('glob: shell semantics of *, ?, [...], \\ escapes, and ** only in exclude patterns', () => {
  const m = (p: string, t: string, globstar = false) => matchGlob(compileGlob(p, { globstar }), t);
  assert.ok(m('*.conf', 'site.conf'));
  assert.ok(!m('*.conf', 'a/site.conf'), '* never crosses /');
  assert.ok(m('s?te.[ck]onf', 'site.conf'));
  assert.ok(!m('[!s]*', 'site'));
  assert.ok(m('[^a-c]x', 'dx'));
  assert.ok(m('[]]', ']'), '] first in a class is literal');
  assert.ok(m('a[', 'a['), 'an unclosed [ is literal');
  assert.ok(m('\\*', '*') && !m('\\*', 'x'));
  assert.ok(m('**/x.conf', 'x.conf', true) && m('**/x.conf', 'a/b/x.conf', true));
  assert.ok(!m('**/x.conf', 'a/bx.conf', true), '**/ stands for whole folders');
  assert.ok(m('vendor/**', 'vendor/a/b.conf', true) && !m('vendor/**', 'vendorx/a', true));
  assert.ok(m('a/**/b', 'a/b', true) && m('a/**/b', 'a/x/y/b', true));
  assert.ok(!m('a**b', 'a/b') && m('a**b', 'a/b', true));
});

test('glob: patterns that make a backtracking RegExp exponential finish at once', () => {
  const t0 = performance.now();
  assert.ok(!matchGlob(compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'), 'a'.repeat(64)));
  assert.ok(!matchGlob(compileGlob('**a'.repeat(200) + '**b', { globstar: true }), 'a'.repeat(4000)));
  assert.ok(!excludeMatcher(['**a'.repeat(30) + '**b'])('a/'.repeat(50) + 'a'.repeat(100)));
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});

// ---- the FormatHost boundary -------------------------------------------------------------------------------

test('host: file: URIs with .. are normalised before the boundary check, other schemes are refused', () => {
  const fs = memfs({ '/w/nginx.conf': 'x', '/secret/x.conf': 'leak' });
  const host = createFormatHost(fs, () => undefined, () => ['file:///w']);
  assert.equal(host.readFile('file:///w/../secret/x.conf'), undefined);
  assert.equal(host.readFile('file:///w/sub/../../secret/x.conf'), undefined);
  assert.equal(host.readFile('file:///w/nginx.conf'), 'x');
  assert.equal(host.readFile('https://example.com/x'), undefined);
  assert.equal(host.refusal!('file:///w/../secret/x.conf'), 'outside the workspace');
  assert.deepEqual(host.glob('../secret/*.conf', 'file:///w/nginx.conf'), []);
  assert.deepEqual(host.glob('/secret/x.conf', 'file:///w/nginx.conf'), []);
});

test('host: a glob from / lists no folder outside the roots, only the way down to them', () => {
  const fs = memfs({ '/w/a/b/c/x.conf': 'x', '/etc/nginx/x.conf': 'leak' }, ['/etc', '/usr', '/w/a/b/c']);
  const host = createFormatHost(fs, () => undefined, () => ['file:///w']);
  const t0 = performance.now();
  const found = host.glob('/*/*/*/*/*.conf', 'file:///w/nginx.conf');
  assert.deepEqual(found, ['file:///w/a/b/c/x.conf']);
  assert.ok(fs.listed.every((u) => u === 'file:///w' || u.startsWith('file:///w/')), fs.listed.join(' '));
  assert.ok(performance.now() - t0 < 1000);
});

test('host: a glob walk stops at its folder limit and says so', () => {
  const dirs: string[] = [];
  for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) dirs.push(`/w/d${i}/e${j}`);
  const fs = memfs({ '/w/nginx.conf': 'x' }, dirs);
  const host = createFormatHost(fs, () => undefined, () => ['file:///w']);
  const r = host.expand!('*/*/*/*.conf', 'file:///w/nginx.conf');
  assert.deepEqual(r.files, []);
  assert.match(r.stopped ?? '', /stopped after listing 1,000 folders/);
  assert.ok(fs.listed.length <= GLOB_LIMITS.folders);
});

// ---- the real file system -----------------------------------------------------------------------------------

test('node fs: links leading out, FIFOs, devices, broken links and large files are refused with the reason', () => {
  const dir = tempDir();
  const out = tempDir();
  writeFileSync(join(out, 'secret.conf'), 'upstream secret { server 10.0.0.1; }\n');
  writeFileSync(join(dir, 'ok.conf'), 'events {}\n');
  writeFileSync(join(dir, 'big.conf'), 'x'.repeat(2048));
  symlinkSync(join(out, 'secret.conf'), join(dir, 'out.conf'));
  symlinkSync('/etc/passwd', join(dir, 'passwd.conf'));
  symlinkSync(out, join(dir, 'outdir'));
  symlinkSync(join(dir, 'nothing'), join(dir, 'broken.conf'));
  symlinkSync(join(dir, 'ok.conf'), join(dir, 'inside.conf'));
  const fifo = spawnSync('mkfifo', [join(dir, 'fifo.conf')]).status === 0;
  const fs = createNodeFileSystem({ roots: () => [dir], maxFileBytes: () => 1024 });
  const why = (name: string) => fs.refusal(pathToUri(join(dir, name)));
  assert.equal(fs.readFile(pathToUri(join(dir, 'ok.conf'))), 'events {}\n');
  assert.equal(fs.readFile(pathToUri(join(dir, 'inside.conf'))), 'events {}\n', 'a link inside the boundary is followed');
  assert.equal(fs.readFile(pathToUri(join(dir, 'out.conf'))), undefined);
  assert.equal(why('out.conf'), 'a symbolic link leading outside the workspace');
  assert.equal(why('passwd.conf'), 'a symbolic link leading outside the workspace');
  assert.equal(fs.readFile(pathToUri(join(dir, 'outdir', 'secret.conf'))), undefined);
  assert.deepEqual(fs.readDirectory(pathToUri(join(dir, 'outdir'))), []);
  assert.equal(why('broken.conf'), 'a broken symbolic link');
  assert.equal(why('big.conf'), 'larger than 1 KiB');
  assert.equal(why('missing.conf'), undefined);
  if (fifo) {
    const t0 = performance.now();
    assert.equal(fs.readFile(pathToUri(join(dir, 'fifo.conf'))), undefined);
    assert.equal(why('fifo.conf'), 'not a regular file (a FIFO)');
    assert.ok(performance.now() - t0 < 1000, 'a FIFO is never opened for a blocking read');
  }
  const unbounded = createNodeFileSystem();
  assert.equal(unbounded.refusal('file:///dev/zero'), 'not a regular file (a device)');
  assert.equal(unbounded.readFile('file:///dev/zero'), undefined);
  // A file may be unreadable; root reads everything, so this part only runs for other users.
  if (!IS_ROOT) {
    writeFileSync(join(dir, 'locked.conf'), 'x');
    chmodSync(join(dir, 'locked.conf'), 0o000);
    assert.equal(why('locked.conf'), 'not readable (permission denied)');
  }
});

test('node fs + service: an include through a link out of the workspace is a visible LB001 warning, never read', () => {
  const dir = tempDir();
  const out = tempDir();
  writeFileSync(join(out, 'secret.conf'), 'upstream leaked_name { server 10.0.0.1; }\n');
  mkdirSync(join(dir, 'conf.d'));
  symlinkSync(join(out, 'secret.conf'), join(dir, 'conf.d', 'evil.conf'));
  const text = 'events {}\nhttp {\n  include conf.d/*.conf;\n  include ../x/../../etc/passwd;\n}\n';
  writeFileSync(join(dir, 'nginx.conf'), text);
  const service = new LanguageService({ fileSystem: createNodeFileSystem({ roots: () => [dir] }), roots: () => [pathToUri(dir)] });
  const a = service.analyze({ uri: pathToUri(join(dir, 'nginx.conf')), text })!;
  assert.equal(a.model.pools.length, 0);
  assert.ok(!JSON.stringify(a.diagnostics).includes('leaked_name'));
  const warnings = a.diagnostics.filter((d) => d.ruleId === 'LB001');
  assert.deepEqual(warnings.map((d) => [d.severity, d.range.start.line]), [['warning', 2], ['warning', 3]]);
  assert.match(warnings[0].message, /evil\.conf is not read: a symbolic link leading outside the workspace/);
  assert.match(warnings[1].message, /leads outside the workspace: not read/);
  // Allowed explicitly: read.
  const wide = new LanguageService({ fileSystem: createNodeFileSystem({ roots: () => [dir, out] }), roots: () => [pathToUri(dir), pathToUri(out)] });
  assert.equal(wide.analyze({ uri: pathToUri(join(dir, 'nginx.conf')), text })!.model.pools.length, 1);
});

test('node fs: an include cycle is LB001, an absolute include outside is not read', () => {
  const fs = memfs({ '/w/nginx.conf': '', '/w/a.conf': 'include b.conf;\n', '/w/b.conf': 'include a.conf;\n', '/etc/nginx/mime.types': 'types { text/html html; }' });
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'] });
  const text = 'events {}\nhttp {\n  include a.conf;\n  include /etc/nginx/mime.types;\n}\n';
  const a = service.analyze({ uri: 'file:///w/nginx.conf', text })!;
  assert.ok(a.diagnostics.some((d) => d.ruleId === 'LB001' && d.severity === 'error' && /include cycle/.test(d.message)));
  assert.ok(!a.model.files.includes('file:///etc/nginx/mime.types'));
});

// ---- the walk -------------------------------------------------------------------------------------------

test('walk: symbolic link loops list each file once and finish; links out are skipped with the reason', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'haproxy.cfg'), 'frontend f\n');
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'x.cfg'), 'backend b\n');
  symlinkSync('.', join(dir, 'l1'));
  symlinkSync('..', join(dir, 'd', 'up'));
  symlinkSync(join(dir, 'd'), join(dir, 'l2'));
  symlinkSync('/etc', join(dir, 'etc'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  symlinkSync('loop-b', join(dir, 'loop-a'));
  const inside = (p: string) => p === dir || p.startsWith(`${dir}/`);
  const r = walkFiles(dir, { inside });
  assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)).sort(), ['d/x.cfg', 'haproxy.cfg']);
  const reasons = Object.fromEntries(r.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]));
  assert.equal(reasons.l1, 'a symbolic link to a folder already checked');
  assert.equal(reasons['d/up'], 'a symbolic link to a folder already checked');
  assert.equal(reasons.etc, 'a symbolic link leading outside the folders checked');
  assert.equal(reasons['loop-a'], 'a symbolic link loop');
});

test('walk: FIFOs are skipped as not regular files, hidden and excluded paths are listed', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.conf'), 'x');
  mkdirSync(join(dir, 'vendor'));
  writeFileSync(join(dir, 'vendor', 'b.conf'), 'x');
  writeFileSync(join(dir, '.hidden.conf'), 'x');
  const fifo = spawnSync('mkfifo', [join(dir, 'fifo.conf')]).status === 0;
  const r = walkFiles(dir, { inside: () => true, exclude: excludeMatcher(['vendor/**']) });
  assert.deepEqual(r.files, [join(dir, 'a.conf')]);
  const reasons = Object.fromEntries(r.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]));
  assert.equal(reasons['vendor/b.conf'], 'excluded by .lb-lens.json');
  assert.equal(reasons['.hidden.conf'], 'hidden, not walked');
  if (fifo) assert.equal(reasons['fifo.conf'], 'not a regular file (a FIFO)');
});
