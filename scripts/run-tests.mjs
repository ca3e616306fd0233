#!/usr/bin/env node
// Runs every *.test.ts under test/ (or the paths given) with Node's own test runner, TypeScript through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roots = args.length ? args : ['test'];
const files = [];
function walk(p) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (name === 'node_modules' || name === 'out' || name === 'e2e') continue;
      walk(join(p, name));
    }
  } else if (p.endsWith('.test.ts')) files.push(p);
}
for (const r of roots) walk(resolve(root, r));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(res.status ?? 1);
