import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { compileGlob, matchGlob, MAX_GLOB_PATTERN } from '../service/glob';

/** Folders never worth walking. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.venv', '__pycache__']);

/** Limits of one walk: a checked folder holds far fewer entries; a link farm or `/` does not make it endless. */
export const WALK_LIMITS = { folders: 50_000, files: 200_000 };

export interface SkippedPath {
  path: string;
  reason: string;
}

export interface WalkResult {
  /** Regular files to check, in walk order (names sorted), each real file once. */
  files: string[];
  /** Everything met that is not checked: with the reason. */
  skipped: SkippedPath[];
}

export interface WalkOptions {
  /** `.lb-lens.json` `exclude`: true for a path (relative to the walked folder, `/`-separated) that is excluded. */
  exclude?: (relPath: string) => boolean;
  /** Whether a real path is inside the boundary (the folders checked, plus folders allowed). */
  inside: (realPath: string) => boolean;
  /** How the boundary is named in reasons. */
  boundaryName?: string;
  /** Real paths of folders and files already walked (shared by the paths of one run: each file is checked once). */
  visited?: Set<string>;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

/**
 * Every file under a path (a file as given, a folder walked recursively in name order), and every path that is
 * not checked with the reason. Symbolic links are followed only inside the boundary (their real path), and each
 * real folder and file is visited once, so `l → .` or two links to each other cannot make the walk repeat or
 * loop. Only regular files are returned: FIFOs, devices and sockets are skipped (reading them could block or
 * never end), as are hidden and dependency folders and what `exclude` names.
 */
export function walkFiles(root: string, options: WalkOptions): WalkResult {
  const boundaryName = options.boundaryName ?? 'the folders checked';
  const visited = options.visited ?? new Set<string>();
  const files: string[] = [];
  const skipped: SkippedPath[] = [];
  let folders = 0;
  let stopped = false;

  const visit = (p: string, top: boolean) => {
    if (stopped) return;
    const rel = relative(root, p).split('\\').join('/');
    if (!top && options.exclude?.(rel)) {
      skipped.push({ path: p, reason: 'excluded by .lb-lens.json' });
      return;
    }
    let link: Stats;
    try {
      link = lstatSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      skipped.push({ path: p, reason: code === 'ENOENT' ? 'does not exist' : `not readable (${code ?? 'error'})` });
      return;
    }
    let real = p;
    let st = link;
    if (link.isSymbolicLink()) {
      try {
        real = realpathSync.native(p);
        st = statSync(real);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        skipped.push({ path: p, reason: code === 'ELOOP' ? 'a symbolic link loop' : 'a broken symbolic link' });
        return;
      }
    } else {
      try {
        real = realpathSync.native(p);
      } catch {
        /* keep the path as given */
      }
    }
    if (!options.inside(real)) {
      skipped.push({ path: p, reason: link.isSymbolicLink() ? `a symbolic link leading outside ${boundaryName}` : `outside ${boundaryName}` });
      return;
    }
    if (visited.has(real)) {
      // A second way to the same folder or file (a link to `.`, a link to a file also walked): once is enough.
      if (link.isSymbolicLink()) skipped.push({ path: p, reason: `a symbolic link to ${st.isDirectory() ? 'a folder' : 'a file'} already checked` });
      return;
    }
    visited.add(real);
    if (st.isDirectory()) {
      if (++folders > WALK_LIMITS.folders || files.length >= WALK_LIMITS.files) {
        stopped = true;
        skipped.push({ path: p, reason: `not walked: the walk stopped after ${WALK_LIMITS.folders.toLocaleString('en-US')} folders or ${WALK_LIMITS.files.toLocaleString('en-US')} files` });
        return;
      }
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (e) {
        skipped.push({ path: p, reason: `folder not readable (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
        return;
      }
      for (const n of names) {
        const child = join(p, n);
        if (SKIP_DIRS.has(n)) skipped.push({ path: child, reason: n.startsWith('.') ? 'hidden, not walked' : 'dependency or build folder, not walked' });
        else if (n.startsWith('.') && n !== '.') skipped.push({ path: child, reason: 'hidden, not walked' });
        else visit(child, false);
      }
    } else if (st.isFile()) files.push(p);
    else skipped.push({ path: p, reason: `not a regular file (${kindOf(st)})` });
  };
  visit(root, true);
  return { files, skipped };
}

/**
 * `.lb-lens.json` `exclude` patterns (`**` any folders, `*` and `?` within a name, `[…]`), matched against
 * `/`-separated paths relative to the checked folder — in linear time (service/glob.ts), never as a RegExp.
 */
export function excludeMatcher(patterns: readonly string[]): (relPath: string) => boolean {
  const globs = patterns.map((p) => {
    if (p.length > MAX_GLOB_PATTERN) throw new Error(`an "exclude" pattern is longer than ${MAX_GLOB_PATTERN} characters`);
    return compileGlob(p, { globstar: true });
  });
  return (rel) => globs.some((g) => matchGlob(g, rel));
}
