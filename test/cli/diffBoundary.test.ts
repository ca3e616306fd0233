/**
 * `lb-lens diff` and the boundary: a committed symbolic link never brings outside text into the report or changes
 * its exit code; git gets a fixed argument vector (`--end-of-options` before revisions) and a hostile
 * `.git/config` runs nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BALANCED, INCIDENT } from '../helpers/incident';
import { REPO } from '../helpers/lspClient';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function tempRepo(): { base: string; dir: string } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-diff-boundary-')));
  const dir = join(base, 'repo');
  mkdirSync(dir);
  git(dir, 'init', '-q');
  return { base, dir };
}

test('diff: a committed link to an outside config neither shows its text nor flips the exit code', () => {
  const { base, dir } = tempRepo();
  // Outside the repository: a config whose findings would fail the diff (LB101, an error).
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'nginx.conf'), INCIDENT.replace('app', 'leaked_upstream_name'));
  writeFileSync(join(dir, 'nginx.conf'), BALANCED);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'balanced');
  symlinkSync(join(base, 'outside', 'nginx.conf'), join(dir, 'evil.conf'));
  symlinkSync('/etc/passwd', join(dir, 'passwd.conf'));
  symlinkSync('../outside/nginx.conf', join(dir, 'relative.conf'));
  // Worktree side (links untracked but not ignored).
  const work = run(['diff', '--format', 'markdown'], dir);
  assert.equal(work.code, 0, work.out + work.err);
  assert.ok(!/leaked_upstream_name|root:/.test(work.out), work.out);
  // Commit side: the links committed.
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'links');
  const commits = run(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown'], dir);
  assert.equal(commits.code, 0, commits.out + commits.err);
  assert.ok(!/leaked_upstream_name|root:/.test(commits.out), commits.out);
});

test('diff: a committed link to a file inside the repository reads as that file on both sides', () => {
  const { dir } = tempRepo();
  mkdirSync(join(dir, 'sites-available'));
  mkdirSync(join(dir, 'sites-enabled'));
  writeFileSync(join(dir, 'sites-available', 'shop.conf'), BALANCED);
  symlinkSync('../sites-available/shop.conf', join(dir, 'sites-enabled', 'shop.conf'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'site');
  const r = run(['diff', '--base', 'HEAD', '--format', 'json'], dir);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out);
  assert.ok(report.routes.length > 0 && report.routes.every((x: any) => x.status === 'unchanged'), r.out);
});

test('diff: revisions cannot become git options, and a hostile .git/config runs nothing', () => {
  const { base, dir } = tempRepo();
  writeFileSync(join(dir, 'nginx.conf'), BALANCED);
  writeFileSync(join(dir, '.gitattributes'), '* filter=evil diff=evil\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'balanced');
  const marker = join(base, 'pwned');
  const script = join(base, 'evil.sh');
  writeFileSync(script, `#!/bin/sh\ntouch ${marker}\ncat\n`);
  chmodSync(script, 0o755);
  appendFileSync(
    join(dir, '.git', 'config'),
    `[core]\n\tfsmonitor = ${script}\n\tpager = ${script}\n\thooksPath = ${base}\n[filter "evil"]\n\tclean = ${script}\n\tsmudge = ${script}\n\tprocess = ${script}\n[diff "evil"]\n\ttextconv = ${script}\n\tcommand = ${script}\n[diff]\n\texternal = ${script}\n`,
  );
  writeFileSync(join(dir, 'nginx.conf'), INCIDENT);
  const r = run(['diff', '--format', 'json'], dir);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  assert.equal(existsSync(marker), false, 'no program from .git/config ran');
  for (const rev of ['--output=' + join(base, 'out.txt'), '-h', '--upload-pack=' + script]) {
    const bad = run(['diff', '--base', rev], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown revision/);
  }
  const eq = run(['diff', `--base=--output=${join(base, 'out2.txt')}`], dir);
  assert.equal(eq.code, 2);
  assert.equal(existsSync(join(base, 'out.txt')) || existsSync(join(base, 'out2.txt')), false);
  assert.equal(existsSync(marker), false);
});
