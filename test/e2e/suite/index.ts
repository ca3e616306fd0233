// extensionTestsPath entry: VS Code (desktop via @vscode/test-electron, or code-server via scripts/e2e.mjs)
// calls run() inside the extension host. LB_LENS_E2E_MODE picks the files: `full` (default) or `untrusted`.
import * as path from 'node:path';
import * as fs from 'node:fs';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mode = process.env.LB_LENS_E2E_MODE || 'full';
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env.LB_LENS_E2E_GREP;
  if (grep) mocha.grep(grep);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => (mode === 'untrusted' ? f === 'trust.test.js' : true))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      // Read by the offline runner (scripts/e2e.mjs) to print its closing line.
      console.log(`LB_LENS_E2E_RESULT ${JSON.stringify({ mode, passed: s.passes, failed: s.failures, pending: s.pending })}`);
      if (failures) reject(new Error(`${failures} in-host test(s) failed`));
      else resolve();
    });
  });
}
