import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { MAX_FILE_BYTES, sizeText, type FileSystem } from '../service/fileSystem';
import { uriToPath } from '../service/uri';

/**
 * The real file system, read-only, for the LSP server and the CLI — and the workspace boundary.
 *
 * A path is read only when its REAL path (after every symbolic link, `realpath(3)`) lies inside the real path
 * of one of the allowed folders: the workspace folders (editor) or the folders given (CLI), plus the folders a
 * setting or flag allows. So a symlink in the workspace to `/etc/passwd`, or a folder link `l → /`, reads
 * nothing. Only regular files are read (never a FIFO, a device or a socket: `/dev/zero` would never end, a FIFO
 * would block), checked again on the open descriptor, which is opened non-blocking; and at most `maxFileBytes`.
 */
export interface NodeFileSystemOptions {
  /** The allowed folders (paths or `file:` URIs). Undefined: no boundary (only for paths a user named). */
  roots?: () => readonly string[];
  /** Files larger than this are refused (default `MAX_FILE_BYTES`, 32 MiB). */
  maxFileBytes?: () => number;
  /** How refusals name the boundary: "the workspace" (editor), "the folders checked" (CLI). */
  boundaryName?: string;
}

export interface NodeFileSystem extends FileSystem {
  /** Read a path, or say why not (for the CLI's skipped entries). */
  readPath(path: string): { text: string } | { reason: string; missing?: boolean };
  /** Whether a real path is inside the boundary. */
  insideBoundary(path: string): boolean;
  refusal(uri: string): string | undefined;
  /**
   * A file to stream (an access log): inside the boundary after symbolic links and a regular file, whatever its
   * size (the size limit is for files read whole). Its real path, size and modification time, or why not.
   */
  locateFile(path: string): { real: string; size: number; mtimeMs: number } | { reason: string; missing?: boolean };
}

const isInsidePath = (path: string, root: string) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);

/** O_NONBLOCK: opening a FIFO for reading must not wait for a writer (the descriptor is checked right after). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

export function createNodeFileSystem(options: NodeFileSystemOptions = {}): NodeFileSystem {
  const boundaryName = options.boundaryName ?? 'the workspace';
  const realRoots = new Map<string, string | undefined>();
  const realRootsNow = (): string[] | undefined => {
    if (!options.roots) return undefined;
    const out: string[] = [];
    for (const r of options.roots()) {
      let real = realRoots.get(r);
      if (real === undefined) {
        try {
          real = realpathSync.native(uriToPath(r));
          realRoots.set(r, real);
        } catch {
          continue;
        }
      }
      out.push(real);
    }
    return out;
  };
  const insideBoundary = (real: string): boolean => {
    const roots = realRootsNow();
    return roots === undefined || roots.some((root) => isInsidePath(real, root));
  };
  const maxBytes = () => options.maxFileBytes?.() ?? MAX_FILE_BYTES;

  /** Where a path really is, or why it cannot be used. */
  function locate(path: string): { real: string } | { reason: string; missing?: boolean } {
    let link: Stats;
    try {
      link = lstatSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return { reason: 'not readable (permission denied)' };
      return { reason: 'does not exist', missing: true };
    }
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return { reason: 'not readable (permission denied)' };
      if (code === 'ELOOP') return { reason: 'a symbolic link loop' };
      return { reason: link.isSymbolicLink() ? 'a broken symbolic link' : 'does not exist', missing: !link.isSymbolicLink() };
    }
    if (!insideBoundary(real)) {
      // Inside the allowed folders as written, outside once links are followed: a link leads out.
      const lexical = options.roots?.().some((r) => isInsidePath(path, uriToPath(r).replace(/\/+$/, '') || '/'));
      return { reason: lexical ? `a symbolic link leading outside ${boundaryName}` : `outside ${boundaryName}` };
    }
    return { real };
  }

  function readPath(path: string): { text: string } | { reason: string; missing?: boolean } {
    const where = locate(path);
    if (!('real' in where)) return where;
    let st: Stats;
    try {
      st = statSync(where.real);
    } catch {
      return { reason: 'does not exist', missing: true };
    }
    if (!st.isFile()) return { reason: `not a regular file (${kindOf(st)})` };
    const max = maxBytes();
    if (st.size > max) return { reason: `larger than ${sizeText(max)}` };
    let fd: number;
    try {
      fd = openSync(where.real, OPEN_FLAGS);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { reason: code === 'EACCES' || code === 'EPERM' ? 'not readable (permission denied)' : `not readable (${code ?? 'error'})` };
    }
    try {
      // The path may have been replaced between stat and open: decide on what was opened.
      const fst = fstatSync(fd);
      if (!fst.isFile()) return { reason: `not a regular file (${kindOf(fst)})` };
      if (fst.size > max) return { reason: `larger than ${sizeText(max)}` };
      // Read at most max + 1 bytes, whatever the file does meanwhile (it may grow).
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const buf = Buffer.allocUnsafe(Math.min(Math.max(fst.size - total, 64 * 1024), max + 1 - total, 16 * 1024 * 1024));
        if (buf.length === 0) break;
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        chunks.push(n === buf.length ? buf : buf.subarray(0, n));
        total += n;
        if (total > max) return { reason: `larger than ${sizeText(max)}` };
      }
      return { text: Buffer.concat(chunks, total).toString('utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { reason: code === 'EAGAIN' ? 'not a regular file' : `not readable (${code ?? (e as Error).message})` };
    } finally {
      closeSync(fd);
    }
  }

  function locateFile(path: string): { real: string; size: number; mtimeMs: number } | { reason: string; missing?: boolean } {
    const where = locate(path);
    if (!('real' in where)) return where;
    let st: Stats;
    try {
      st = statSync(where.real);
    } catch {
      return { reason: 'does not exist', missing: true };
    }
    if (!st.isFile()) return { reason: `not a regular file (${kindOf(st)})` };
    return { real: where.real, size: st.size, mtimeMs: st.mtimeMs };
  }

  return {
    readPath,
    locateFile,
    insideBoundary,
    readFile(uri) {
      if (!uri.startsWith('file:')) return undefined;
      const r = readPath(uriToPath(uri));
      return 'text' in r ? r.text : undefined;
    },
    refusal(uri) {
      if (!uri.startsWith('file:')) return 'not a local file';
      const r = readPath(uriToPath(uri));
      return 'text' in r || r.missing ? undefined : r.reason;
    },
    readDirectory(uri) {
      if (!uri.startsWith('file:')) return [];
      const dir = uriToPath(uri);
      const where = locate(dir);
      if (!('real' in where)) return [];
      try {
        return readdirSync(where.real, { withFileTypes: true }).map((d) => {
          let isDirectory = d.isDirectory();
          if (d.isSymbolicLink()) {
            try {
              isDirectory = statSync(`${where.real}/${d.name}`).isDirectory();
            } catch {
              /* dangling link: a file that cannot be read */
            }
          }
          return { name: d.name, isDirectory };
        });
      } catch {
        return [];
      }
    },
  };
}
