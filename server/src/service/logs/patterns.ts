import { posix } from 'node:path';
import { compileGlob, hasGlobMagic, matchGlob } from '../glob';

/**
 * The editor's `lbLens.traffic.logs`: workspace-relative paths or globs → the paths they name. Globs are shell
 * globs per path segment (`*`, `?`, `[…]`, matched in linear time by glob.ts), plus `**` for any number of folders;
 * a leading dot must be matched explicitly (glob(3)). Folders are listed through `readDirectory` — the language
 * server's file system, which lists nothing outside the workspace (real paths) — and the walk is bounded. Whether
 * each path may be read (inside the workspace after symbolic links, a regular file) is for the caller to check.
 * Pure: no file system of its own.
 */

export const LOG_PATTERN_LIMITS = { files: 64, folders: 1000, entries: 100_000 };

export interface ExpandedPattern {
  pattern: string;
  /** Absolute, normalised paths, sorted; for a plain path, the path itself (in each folder, when relative). */
  paths: string[];
  /** Set when the walk stopped at a limit. */
  stopped?: string;
  glob: boolean;
}

export function expandLogPatterns(
  patterns: readonly string[],
  folders: readonly string[],
  readDirectory: (path: string) => Array<{ name: string; isDirectory: boolean }>,
  limits = LOG_PATTERN_LIMITS,
): ExpandedPattern[] {
  const out: ExpandedPattern[] = [];
  let files = 0;
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (!pattern) continue;
    const bases = pattern.startsWith('/') ? ['/'] : folders;
    const result: ExpandedPattern = { pattern, paths: [], glob: hasGlobMagic(pattern) };
    out.push(result);
    for (const base of bases) {
      const abs = posix.normalize(posix.join(base, pattern)).replace(/(.)\/+$/, '$1');
      if (!result.glob) {
        if (!result.paths.includes(abs)) result.paths.push(abs);
        continue;
      }
      const state = { folders: 0, entries: 0, stopped: undefined as string | undefined };
      const found = walk(abs, readDirectory, limits, state, limits.files - files);
      for (const f of found) if (!result.paths.includes(f)) result.paths.push(f);
      if (state.stopped) result.stopped = state.stopped;
    }
    result.paths.sort();
    files += result.paths.length;
  }
  return out;
}

function walk(
  abs: string,
  readDirectory: (path: string) => Array<{ name: string; isDirectory: boolean }>,
  limits: typeof LOG_PATTERN_LIMITS,
  state: { folders: number; entries: number; stopped?: string },
  maxFiles: number,
): string[] {
  const segments = abs.split('/').slice(1);
  // Start below the longest prefix without magic: nothing above it is listed.
  let i = 0;
  let dir = '';
  while (i < segments.length - 1 && !hasGlobMagic(segments[i])) dir += `/${segments[i++]}`;
  dir ||= '/';
  const join = (d: string, name: string) => (d === '/' ? `/${name}` : `${d}/${name}`);
  const list = (d: string): Array<{ name: string; isDirectory: boolean }> => {
    if (state.folders >= limits.folders || state.entries >= limits.entries) {
      state.stopped = `stopped after listing ${state.folders.toLocaleString('en-US')} folders`;
      return [];
    }
    state.folders++;
    const entries = readDirectory(d);
    state.entries += entries.length;
    return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  const found: string[] = [];
  // (folder, index of the next segment to match); `**` keeps its index while descending.
  const queue: Array<[string, number]> = [[dir, i]];
  const seen = new Set<string>();
  while (queue.length > 0 && found.length < maxFiles && !state.stopped) {
    const [d, k] = queue.shift()!;
    const key = `${k}\u0000${d}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const segment = segments[k];
    const last = k === segments.length - 1;
    if (segment === '**') {
      // Zero folders: the next segment here; or one more folder, still under `**`.
      if (!last) queue.push([d, k + 1]);
      for (const e of list(d)) if (e.isDirectory && !e.name.startsWith('.')) queue.push([join(d, e.name), k]);
      continue;
    }
    if (!hasGlobMagic(segment)) {
      const p = join(d, segment);
      if (last) found.push(p);
      else queue.push([p, k + 1]);
      continue;
    }
    const glob = compileGlob(segment);
    for (const e of list(d)) {
      if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
      if (!matchGlob(glob, e.name)) continue;
      if (last && !e.isDirectory) found.push(join(d, e.name));
      else if (!last && e.isDirectory) queue.push([join(d, e.name), k + 1]);
    }
  }
  return found.slice(0, maxFiles);
}
