import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

// `lb-lens-language-server --stdio` (Neovim, Helix, Emacs…) or Node IPC (VS Code): createConnection reads argv.
if (process.argv.length <= 2 && !process.send) process.argv.push('--stdio');
startServer(createConnection(ProposedFeatures.all));
