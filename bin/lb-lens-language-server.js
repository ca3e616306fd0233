#!/usr/bin/env node
'use strict';
/*
 * The server allocates many short-lived objects per analysis. With V8's default young generation the scavenger
 * runs ~40 times per parse of a 10k-line file and takes about half of the time of an edit; 64 MiB semi-spaces
 * halve the collections (see the performance table in README.md). V8 reads this flag only at start-up, so when
 * it was not given (the VS Code client passes it itself), the launcher starts the server in a child Node process
 * with it, sharing this process's stdin/stdout/stderr. Set LB_LENS_NO_RELAUNCH=1 to run in this process.
 */
const FLAG = '--max-semi-space-size=64';
const tuned = process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) || /--max-semi-space-size/.test(process.env.NODE_OPTIONS || '');

// `--node-ipc` needs the IPC channel of this very process: run here.
if (tuned || process.env.LB_LENS_NO_RELAUNCH || process.argv.includes('--node-ipc')) {
  require('../dist/server.js');
} else {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, FLAG, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, LB_LENS_NO_RELAUNCH: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    process.stderr.write(`lb-lens-language-server: cannot start the server: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
