import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO } from '../helpers/lspClient';

const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;

test('Neovim, a second real LSP client, gets diagnostics, hover and the distribution', { skip: hasNvim ? false : 'skipped: nvim is not installed' }, () => {
  const r = spawnSync(
    'nvim',
    ['--headless', '-u', 'NONE', '-c', 'set ft=nginx', '-c', `luafile ${resolve(__dirname, 'neovim-client.lua')}`, 'examples/incident/nginx.conf'],
    { cwd: REPO, encoding: 'utf8', timeout: 30_000 },
  );
  const out = `${r.stdout}${r.stderr}`;
  assert.match(out, /^24:31 LB101 All traffic of location \/ goes to one server/m, out);
  assert.match(out, /^28:31 LB102 /m, out);
  assert.match(out, /location \/api\/: \*\*10%\*\*; if it fails → 10\.0\.2\.21:9000 100%/, out);
  assert.match(out, /routes: 2/, out);
});
