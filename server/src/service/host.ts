import type { FormatHost, GlobExpansion } from '../formats/types';
import type { FileSystem } from './fileSystem';
import { compileGlob, hasGlobMagic, matchGlob } from './glob';
import { pathToUri, resolveUri, uriToPath } from './uri';
import { posix } from 'node:path';

/**
 * How much one glob may walk. nginx expands `include` globs with glob(3) and has no limit; these keep a pattern
 * like `include /*\/*\/*\/*\/*\/*\/*\/*\/*.conf;` from walking a whole disk. A real configuration lists a handful
 * of folders; `conf.d/` with thousands of files is still far below the entry limit.
 */
export const GLOB_LIMITS = { folders: 1000, entries: 100_000 };

/** A `file:` URI → its normalised absolute path (`..` and `.` resolved, as the OS would); undefined for other schemes. */
function filePath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  const p = uriToPath(uri);
  if (!p.startsWith('/')) return undefined;
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

const insidePath = (path: string, root: string) => root === '/' || path === root || path.startsWith(`${root}/`);

/**
 * The FormatHost the service gives formats: open documents first, then the file system, and never a file
 * outside the allowed roots (the workspace folders, or the folders the CLI was asked to check, plus folders a
 * setting allows). Paths are compared after normalisation (`file:///w/../../etc/x` is `/etc/x`); the file
 * system compares real paths (after symbolic links) on top of that (see node/nodeFileSystem.ts).
 */
export function createFormatHost(
  fs: FileSystem,
  openText: (uri: string) => string | undefined,
  roots: () => readonly string[],
  boundaryName = 'the workspace',
): FormatHost {
  const rootPaths = () => roots().map(filePath).filter((p): p is string => p !== undefined);
  const allowedPath = (path: string) => rootPaths().some((root) => insidePath(path, root));

  function readFile(uri: string): string | undefined {
    const path = filePath(uri);
    if (path === undefined || !allowedPath(path)) return undefined;
    const open = openText(uri);
    if (open !== undefined) return open;
    const canonical = pathToUri(path);
    return (canonical !== uri ? openText(canonical) : undefined) ?? fs.readFile(canonical);
  }

  function refusal(uri: string): string | undefined {
    const path = filePath(uri);
    if (path === undefined) return 'not a local file';
    if (!allowedPath(path)) return `outside ${boundaryName}`;
    if (openText(uri) !== undefined) return undefined;
    return fs.refusal?.(pathToUri(path));
  }

  function expand(pattern: string, baseUri: string): GlobExpansion {
    const out: GlobExpansion = { files: [], refused: [] };
    const basePath = filePath(baseUri.endsWith('/') ? `${baseUri}x` : baseUri);
    if (basePath === undefined) return out;
    const targetUri = resolveUri(pathToUri(posix.dirname(basePath)), pattern);
    const target = filePath(targetUri);
    if (target === undefined) {
      out.refused.push({ uri: targetUri, reason: 'not a local file' });
      return out;
    }
    if (!hasGlobMagic(target)) {
      if (!allowedPath(target)) return out; // outside: never looked at (not even whether it exists)
      const uri = pathToUri(target);
      if (readFile(uri) !== undefined) out.files.push(uri);
      else {
        const why = refusal(uri);
        if (why) out.refused.push({ uri, reason: why });
      }
      return out;
    }
    const parts = target.split('/').slice(1);
    const allowed = rootPaths();
    let folders = 0;
    let entries = 0;
    let dirs = ['/'];
    for (let i = 0; i < parts.length && dirs.length > 0; i++) {
      const last = i === parts.length - 1;
      const segment = parts[i];
      const magic = hasGlobMagic(segment);
      const glob = magic ? compileGlob(segment) : undefined;
      const next: string[] = [];
      for (const dir of dirs) {
        const join = (name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
        if (!magic) {
          // A plain segment: no listing needed; the boundary and the file system decide below.
          const p = join(segment);
          if (last || allowed.some((root) => insidePath(p, root) || insidePath(root, p))) next.push(p);
          continue;
        }
        let listed: Array<{ name: string; isDirectory: boolean }>;
        if (allowed.some((root) => insidePath(dir, root))) {
          if (folders >= GLOB_LIMITS.folders || entries >= GLOB_LIMITS.entries) {
            out.stopped = `stopped after listing ${folders.toLocaleString('en-US')} folders (${entries.toLocaleString('en-US')} entries)`;
            break;
          }
          folders++;
          listed = fs.readDirectory(pathToUri(dir));
          entries += listed.length;
        } else {
          // A folder above the allowed roots is never listed: only the way down to a root is followed.
          listed = [];
          for (const root of allowed) {
            if (root === dir || !insidePath(root, dir)) continue;
            const name = root.slice(dir === '/' ? 1 : dir.length + 1).split('/')[0];
            if (!listed.some((e) => e.name === name)) listed.push({ name, isDirectory: true });
          }
        }
        listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of listed) {
          // glob(3) without GLOB_PERIOD: a leading dot must be matched explicitly.
          if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
          if (e.isDirectory === last || !matchGlob(glob!, e.name)) continue;
          next.push(join(e.name));
        }
      }
      if (out.stopped) break;
      dirs = next;
    }
    if (!out.stopped) {
      for (const p of dirs) {
        if (!allowedPath(p)) continue;
        const uri = pathToUri(p);
        if (!hasGlobMagic(parts[parts.length - 1]) && readFile(uri) === undefined) {
          const why = refusal(uri);
          if (why) out.refused.push({ uri, reason: why });
          continue;
        }
        out.files.push(uri);
      }
    }
    return out;
  }

  return {
    readFile,
    refusal,
    expand,
    glob: (pattern, baseUri) => expand(pattern, baseUri).files,
  };
}
