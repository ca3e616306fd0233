// Desktop runner (machines with internet): downloads VS Code with @vscode/test-electron and runs the in-host
// suite there, on a temporary copy of examples/. `npm run test:e2e:electron`. The offline runner
// (scripts/e2e.mjs, `npm run test:e2e`) runs the same suite on code-server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..'); // test/e2e/out → repo
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-lens-e2e-'));
  const workspace = path.join(work, 'workspace');
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.LB_LENS_E2E_VSCODE || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      extensionTestsEnv: { LB_LENS_E2E_TRUST: 'disabled', LB_LENS_E2E_MODE: 'full' },
      launchArgs: [
        workspace,
        '--disable-workspace-trust',
        '--disable-extensions',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(work, 'ud')}`,
        `--extensions-dir=${path.join(work, 'exts')}`,
      ],
    });
    console.log('e2e (electron): passed');
  } catch (err) {
    console.error(err);
    console.log('e2e (electron): failed');
    process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

void main();
