/**
 * Reading a git revision for `lb-lens diff`: the user's own git binary on their own repository, with a fixed
 * argument list (no shell, nothing taken from a configuration file is ever executed). A revision is exposed as
 * a read-only `FileSystem`, so includes resolve within that revision.
 */
import { spawnSync } from 'node:child_process';
import { join, posix, relative, resolve, sep } from 'node:path';
import type { FileSystem } from '../service/fileSystem';
import { pathToUri, uriToPath } from '../service/uri';
import { createNodeFileSystem } from '../node/nodeFileSystem';
import { MAX_FILE_BYTES } from '../service/fileSystem';

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

/**
 * A read-only file system over the files of a commit. A symbolic link committed in the repository (a blob whose
 * text is the link's target) reads as the file it points to when that file is in the same commit — as the work
 * tree reads it (`sites-enabled/x → ../sites-available/x`) — and as nothing when it points outside the
 * repository (`/etc/passwd`, `../../x`): the report never holds text from outside, on either side.
 */
function commitFileSystem(top: string, commit: string, files: string[], links: ReadonlySet<string>, within: (path: string) => boolean): FileSystem {
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
  const blobs: Map<string, string | undefined> = readBlobs(top, commit, files.filter((f) => within(f) && !links.has(f)));
  const rel = (uri: string) => repoPath(top, resolve(uriToPath(uri)));
  const blob = (p: string) => {
    if (!blobs.has(p)) {
      // An include outside the paths asked for: read it on demand.
      blobs.set(p, readBlobs(top, commit, [p]).get(p));
    }
    return blobs.get(p);
  };
  return {
    readFile(uri) {
      let p = rel(uri);
      // Follow committed links within the commit (a chain of at most 8; the kernel allows 40).
      for (let hops = 0; p !== undefined && links.has(p); hops++) {
        const target = hops < 8 ? blob(p)?.trim() : undefined;
        if (!target || target.startsWith('/')) return undefined;
        const next = posix.normalize(posix.join(posix.dirname(p), target));
        p = next === '..' || next.startsWith('../') ? undefined : next;
      }
      if (p === undefined || !all.has(p)) return undefined;
      return blob(p);
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
  const out = git(top, ['ls-tree', '-r', '-z', '--full-tree', commit]).out;
  // `<mode> <type> <object>\t<path>`: 120000 is a symbolic link, 160000 a submodule (nothing to read).
  const files: string[] = [];
  const links = new Set<string>();
  for (const entry of out.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const mode = entry.slice(0, entry.indexOf(' '));
    const path = entry.slice(tab + 1);
    if (mode === '160000') continue;
    if (mode === '120000') links.add(path);
    files.push(path);
  }
  return { label: rev, files, fileSystem: commitFileSystem(top, commit, files, links, within) };
}

/** The work tree as a revision: what `git ls-files` lists (tracked, plus untracked files not ignored) that exists. */
export function workTreeRevision(top: string): Revision {
  const out = git(top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name']).out;
  const files = [...new Set(out.split('\0').filter(Boolean))];
  // Read like the CLI reads a folder: nothing outside the repository's real path (a committed link to
  // /etc/passwd reads as nothing), only regular files, at most MAX_FILE_BYTES.
  return { label: 'working tree', files, fileSystem: createNodeFileSystem({ roots: () => [top], boundaryName: 'the repository' }) };
}

export const fileUri = (top: string, repoRel: string) => pathToUri(join(top, ...repoRel.split('/')));
