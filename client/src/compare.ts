// "LB Lens: Compare Traffic Distribution with HEAD": reading the HEAD text of a document. The server compares;
// this only fetches the base text — through the built-in git extension when it knows the repository, else with
// the user's own git and a fixed argument list (execFile, no shell). Both run git, so only in a trusted workspace.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export type HeadText =
  /** The document's text in HEAD. */
  | { kind: 'text'; text: string; via: 'git extension' | 'git' }
  /** The file is not in HEAD (new or untracked, or the repository has no commit yet): everything is added. */
  | { kind: 'new'; reason: string; via: 'git' }
  /** No comparison possible: the message says why, for the webview. */
  | { kind: 'unavailable'; message: string };

/** The parts of the built-in git extension's API (`vscode.git`, `getAPI(1)`) used here. */
interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): { getRepository(uri: vscode.Uri): { show(ref: string, path: string): Promise<string> } | null };
}

/** Files larger than this are not read from git (the server's limit for a document is 32 MiB as well). */
const MAX_BYTES = 32 * 1024 * 1024;
const GIT_EXTENSION_TIMEOUT_MS = 5000;

export async function readHead(uri: vscode.Uri): Promise<HeadText> {
  if (uri.scheme !== 'file') {
    return { kind: 'unavailable', message: 'Save the file first: only a file on disk has a version in HEAD to compare with.' };
  }
  if (!vscode.workspace.isTrusted) {
    return {
      kind: 'unavailable',
      message:
        'Comparing with HEAD runs git, which LB Lens does only in a trusted workspace (Restricted Mode runs no programs). ' +
        'Trust this folder (command "Workspaces: Manage Workspace Trust") to compare.',
    };
  }
  const viaExtension = await fromGitExtension(uri);
  if (viaExtension !== undefined) return { kind: 'text', text: viaExtension, via: 'git extension' };
  return fromGit(uri.fsPath);
}

/**
 * HEAD through the git extension, when it is enabled and already knows the file's repository (it is not asked
 * to open one: that would add it to the user's Source Control view). Any failure — a file that is not in HEAD
 * included — leaves the answer to `fromGit`, which tells the cases apart.
 */
async function fromGitExtension(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) return undefined;
    const git = ext.isActive ? ext.exports : await withTimeout(ext.activate(), GIT_EXTENSION_TIMEOUT_MS);
    if (!git?.enabled) return undefined;
    const repository = git.getAPI(1).getRepository(uri);
    if (!repository) return undefined;
    return await withTimeout(repository.show('HEAD', uri.fsPath), GIT_EXTENSION_TIMEOUT_MS);
  } catch {
    return undefined;
  }
}

interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** The git program itself could not be started. */
  missing?: boolean;
}

/** Settings that could make git start a program of the repository's choosing are turned off. */
const SAFE = ['-c', 'core.fsmonitor=false'];

function git(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', [...SAFE, ...args], { cwd, maxBuffer: MAX_BYTES + 1024, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      resolve({ ok: !err, stdout, stderr: String(stderr).trim(), missing: code === 'ENOENT' });
    });
  });
}

/**
 * HEAD with the git command line, run in the file's folder: `HEAD:./name` names the file relative to that
 * folder (gitrevisions(7)), so no path is computed here. `cat-file blob` prints the stored bytes — unlike
 * `git show`, it runs no textconv driver the repository may configure.
 */
export async function fromGit(file: string): Promise<HeadText> {
  const dir = path.dirname(file);
  const name = path.basename(file);
  if (!existsSync(dir)) return { kind: 'unavailable', message: `The folder of ${name} does not exist on disk.` };
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top.missing) return { kind: 'unavailable', message: 'git is not installed (or not on PATH): LB Lens needs it to read the HEAD version of the file.' };
  if (!top.ok) return { kind: 'unavailable', message: `${name} is not in a git repository: there is no HEAD version to compare with.` };
  const head = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!head.ok) return { kind: 'new', reason: 'The repository has no commit yet: every route is new.', via: 'git' };
  const spec = `HEAD:./${name}`;
  const exists = await git(dir, ['cat-file', '-e', spec]);
  if (!exists.ok) return { kind: 'new', reason: `${name} is not in HEAD (a new or untracked file): every route is new.`, via: 'git' };
  const blob = await git(dir, ['cat-file', 'blob', spec]);
  if (!blob.ok) return { kind: 'unavailable', message: `git could not read ${name} in HEAD: ${blob.stderr || 'unknown error'}` };
  return { kind: 'text', text: blob.stdout, via: 'git' };
}

function withTimeout<T>(p: Thenable<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(p),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms))),
  ]).finally(() => clearTimeout(timer));
}
