/**
 * Reading a git revision for `lb-lens diff`: the user's own git binary on their own repository, with a fixed
 * argument list (no shell, nothing taken from a configuration file is ever executed). A revision is exposed as
 * a read-only `FileSystem`, so includes resolve within that revision.
 */
import { spawnSync } from 'node:child_process';
import { join, relative, resolve, sep } from 'node:path';
import type { FileSystem } from '../service/fileSystem';
import { pathToUri, uriToPath } from '../service/uri';
import { nodeFileSystem } from '../node/nodeFileSystem';
import { MAX_FILE_BYTES } from '../service/languageService';

export class GitError extends Error {}

/** Settings that would make git run programs of the repository's choosing while listing files are turned off. */
const SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false'];

function git(cwd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', [...SAFE, ...args], { cwd, input: opts.input, maxBuffer: 256 * 1024 * 1024, windowsHide: true });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new GitError(code === 'ENOENT' ? 'git is not installed (or not on PATH)' : `git failed: ${r.error.message}`);
  }
  const out = r.stdout.toString('utf8');
  const err = r.stderr.toString('utf8').trim();
  if (r.status !== 0 && !opts.allowFail) throw new GitError(err || `git ${args.join(' ')} failed`);
  return { ok: r.status === 0, out, err };
}

/** The top folder of the work tree that contains `cwd`. */
export function gitTopLevel(cwd: string): string {
  const r = git(cwd, ['rev-parse', '--show-toplevel'], { allowFail: true });
  if (!r.ok) throw new GitError(`not a git repository: ${cwd}`);
  return resolve(r.out.trim());
}

/** The commit a revision names; a clear error for an unknown one. */
export function resolveRevision(top: string, rev: string): string {
  if (rev.startsWith('-')) throw new GitError(`unknown revision "${rev}"`);
  const r = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { allowFail: true });
  if (!r.ok || !r.out.trim()) throw new GitError(`unknown revision "${rev}"`);
  return r.out.trim();
}

/** One side of a diff: a commit, or the work tree (tracked and untracked files that are not ignored). */
export interface Revision {
  /** `HEAD`, `main`, `abc123`, or `working tree`. */
  label: string;
  /** Repository-relative paths (`/`-separated) of the files of the revision. */
  files: string[];
  fileSystem: FileSystem;
}

/** `/`-separated path relative to the top, or undefined outside it. */
export function repoPath(top: string, abs: string): string | undefined {
  const rel = relative(top, abs);
  if (rel.startsWith('..') || resolve(top, rel) !== abs) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Read the blobs of a commit with one `git cat-file --batch` per chunk of files (a spawn per file would be slow
 * on a repository of thousands of files). Files larger than MAX_FILE_BYTES are left out, like on disk.
 */
function readBlobs(top: string, commit: string, paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (paths.length === 0) return out;
  const sizes = git(top, ['cat-file', '--batch-check=%(objecttype) %(objectsize)'], { input: paths.map((p) => `${commit}:${p}`).join('\n') + '\n' })
    .out.split('\n');
  const sizeOf = new Map<string, number>();
  paths.forEach((p, i) => {
    const [type, size] = (sizes[i] ?? '').split(' ');
    if (type === 'blob' && Number(size) <= MAX_FILE_BYTES) sizeOf.set(p, Number(size));
  });
  const wanted = [...sizeOf.keys()];
  const CHUNK_BYTES = 64 * 1024 * 1024;
  for (let i = 0; i < wanted.length;) {
    const chunk: string[] = [];
    let bytes = 0;
    while (i < wanted.length && (chunk.length === 0 || bytes < CHUNK_BYTES)) {
      bytes += sizeOf.get(wanted[i]) ?? 0;
      chunk.push(wanted[i++]);
    }
    const r = spawnSync('git', [...SAFE, 'cat-file', '--batch'], {
      cwd: top, input: chunk.map((p) => `${commit}:${p}`).join('\n') + '\n', maxBuffer: bytes + chunk.length * 128 + 1024, windowsHide: true,
    });
    if (r.status !== 0 || !r.stdout) throw new GitError(`git cat-file failed: ${r.stderr?.toString().trim()}`);
    const buf = r.stdout;
    let at = 0;
    for (const p of chunk) {
      const nl = buf.indexOf(10, at);
      const header = buf.subarray(at, nl).toString('utf8').split(' ');
      const size = Number(header[2]);
      if (header[1] !== 'blob' || !Number.isFinite(size)) break;
      out.set(p, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
      at = nl + 1 + size + 1;
    }
  }
  return out;
}

/** A read-only file system over the files of a commit. */
function commitFileSystem(top: string, commit: string, files: string[], within: (path: string) => boolean): FileSystem {
  const dirs = new Map<string, Map<string, boolean>>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      let entries = dirs.get(dir);
      if (!entries) dirs.set(dir, (entries = new Map()));
      entries.set(parts[i], i < parts.length - 1 || entries.get(parts[i]) === true);
    }
  }
  const all = new Set(files);
  const blobs: Map<string, string | undefined> = readBlobs(top, commit, files.filter(within));
  const rel = (uri: string) => repoPath(top, resolve(uriToPath(uri)));
  return {
    readFile(uri) {
      const p = rel(uri);
      if (p === undefined || !all.has(p)) return undefined;
      if (!blobs.has(p)) {
        // An include outside the paths asked for: read it on demand.
        blobs.set(p, readBlobs(top, commit, [p]).get(p));
      }
      return blobs.get(p);
    },
    readDirectory(uri) {
      const p = rel(uri);
      if (p === undefined) return [];
      const entries = dirs.get(p === '.' ? '' : p);
      return entries ? [...entries].map(([name, isDirectory]) => ({ name, isDirectory })) : [];
    },
  };
}

/** A commit as a revision (only the files under `within`, repository-relative prefixes, are read). */
export function commitRevision(top: string, rev: string, within: (path: string) => boolean = () => true): Revision {
  const commit = resolveRevision(top, rev);
  const out = git(top, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit]).out;
  const files = out.split('\0').filter(Boolean);
  return { label: rev, files, fileSystem: commitFileSystem(top, commit, files, within) };
}

/** The work tree as a revision: what `git ls-files` lists (tracked, plus untracked files not ignored) that exists. */
export function workTreeRevision(top: string): Revision {
  const out = git(top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name']).out;
  const files = [...new Set(out.split('\0').filter(Boolean))];
  return { label: 'working tree', files, fileSystem: nodeFileSystem };
}

export const fileUri = (top: string, repoRel: string) => pathToUri(join(top, ...repoRel.split('/')));
