import type { Range } from '../../model/types';
import type { FormatHost } from '../types';
import { parseNginx, type Directive, type NginxCst } from './parser';

/** A directive with the file it was written in, `include`s replaced by the directives they bring in. */
export interface Node {
  d: Directive;
  uri: string;
  /** The block's directives (includes expanded); undefined for simple directives and opaque Lua blocks. */
  children?: Node[];
}

export interface SourceFile {
  uri: string;
  cst: NginxCst;
}

export interface IncludeProblem {
  message: string;
  uri: string;
  range: Range;
  /** `warning` for files named but not read (the configuration itself may be fine). */
  severity?: 'warning';
}

export interface Expansion {
  nodes: Node[];
  /** Every file read, the root first, each once. */
  files: SourceFile[];
  /** `include`s that matched no readable file (their files live outside what the host can read). */
  unresolved: number;
  /** The `include` directives that matched no readable file. */
  unresolvedIncludes: Set<Directive>;
  problems: IncludeProblem[];
}

/** nginx itself has no limit; a real configuration never comes close. Beyond it, includes are not followed. */
export const MAX_INCLUDE_DEPTH = 16;
/**
 * How many times files may be included in one configuration. nginx reads an included file again each time it is
 * included, so a file included twice per level grows exponentially; beyond this the remaining includes are not
 * followed (and say so), keeping the time in proportion to the text. Real configurations include a few hundred
 * files (a `conf.d/*.conf` of 2,000 sites is 2,000).
 */
export const MAX_INCLUDED_FILES = 5_000;
/** Blocks nested deeper than this are not walked (nothing real nests this deep; it bounds recursion). */
const MAX_BLOCK_DEPTH = 64;
/** How many parent folders of the root file may hold nginx's configuration prefix (for fragments). */
const PREFIX_SEARCH_DEPTH = 3;

const isAbsolute = (p: string) => p.startsWith('/') || /^[a-z][\w+.-]*:/i.test(p);

const baseName = (uri: string) => {
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
};

/** `file:///a/b/c.conf` → `file:///a/b`. */
export function dirnameUri(uri: string): string {
  const i = uri.lastIndexOf('/');
  return i > 'file://'.length ? uri.slice(0, i) : uri;
}

/**
 * Expand `include` directives, reading files through the host only.
 *
 * nginx resolves a relative include against its configuration prefix, the directory of the main nginx.conf
 * (ngx_conf_include → ngx_conf_full_name with the conf prefix). The root file is taken as that main file;
 * for fragments and for configurations kept in a repository, the including file's folder and a few parent
 * folders of the root are tried next, and an absolute path (`/etc/nginx/conf.d/*.conf`) that is not
 * readable is looked up by its trailing segments under the root's folder.
 */
export function expandIncludes(rootUri: string, rootCst: NginxCst, host: FormatHost): Expansion {
  const files: SourceFile[] = [{ uri: rootUri, cst: rootCst }];
  const cache = new Map<string, NginxCst | undefined>([[rootUri, rootCst]]);
  const problems: IncludeProblem[] = [];
  let unresolved = 0;
  /** Files that exist but were not read, and globs that stopped at their limits, of the include being resolved. */
  let refused: Array<{ uri: string; reason: string }> = [];
  let stopped: string | undefined;
  const unresolvedIncludes = new Set<Directive>();
  const glob = (pattern: string, dir: string): string[] => {
    try {
      if (!host.expand) return host.glob(pattern, `${dir}/`);
      const r = host.expand(pattern, `${dir}/`);
      refused.push(...r.refused);
      stopped ??= r.stopped;
      return r.files;
    } catch {
      return [];
    }
  };
  const exists = (uri: string): boolean => {
    try {
      return host.readFile(uri) !== undefined;
    } catch {
      return false;
    }
  };

  const rootDir = dirnameUri(rootUri);
  const ancestors = [rootDir];
  for (let i = 0; i < PREFIX_SEARCH_DEPTH; i++) {
    const parent = dirnameUri(ancestors[ancestors.length - 1]);
    if (parent === ancestors[ancestors.length - 1]) break;
    ancestors.push(parent);
  }
  // The configuration prefix: the root's folder for a main file; for a fragment, the nearest folder above it
  // that holds an nginx.conf (where nginx would find its prefix), else the fragment's own folder.
  const isMainFile = /(^|\/)nginx\.conf$/i.test(rootUri);
  const prefix = isMainFile ? rootDir : ancestors.find((dir) => exists(`${dir}/nginx.conf`)) ?? rootDir;

  const resolve = (path: string, fromUri: string): string[] => {
    if (isAbsolute(path)) {
      const direct = glob(path, prefix);
      if (direct.length) return direct;
      // `/etc/nginx/conf.d/*.conf` kept in a repository as `conf.d/*.conf` next to its nginx.conf: try the
      // path's trailing segments under the prefix — at least a folder and a name, or a single plain name.
      const segments = path.replace(/^[a-z][\w+.-]*:\/*/i, '').split('/').filter(Boolean);
      for (let i = 1; i < segments.length; i++) {
        const tail = segments.slice(i);
        if (tail.length === 1 && /[*?[]/.test(tail[0])) break;
        for (const dir of new Set([prefix, rootDir])) {
          const found = glob(tail.join('/'), dir);
          if (found.length) return found;
        }
      }
      return [];
    }
    for (const dir of new Set([prefix, dirnameUri(fromUri), rootDir, ...ancestors])) {
      const found = glob(path, dir);
      if (found.length) return found;
    }
    return [];
  };

  const load = (uri: string): NginxCst | undefined => {
    if (cache.has(uri)) return cache.get(uri);
    let text: string | undefined;
    try {
      text = host.readFile(uri);
    } catch {
      text = undefined;
    }
    const cst = text === undefined ? undefined : parseNginx(text);
    cache.set(uri, cst);
    if (cst) files.push({ uri, cst });
    return cst;
  };

  const warn = (message: string, uri: string, range: Range) => problems.push({ message, uri, range, severity: 'warning' });
  /**
   * Make a skipped read visible: a file the include names that exists but is not read (a link out of the
   * workspace, a FIFO, too large…), a glob that stopped at its limits, or a relative path leading out of the
   * workspace. Absolute paths outside it are not reported: they are looked up inside it by their trailing path.
   */
  const notRead = (path: string, fromUri: string, range: Range, nothingFound: boolean) => {
    if (stopped) warn(`include "${path}": ${stopped}; the files beyond are not read`, fromUri, range);
    if (!nothingFound) return;
    if (refused.length > 0) {
      const first = refused[0];
      const more = refused.length > 1 ? ` (and ${refused.length - 1} more)` : '';
      warn(`include "${path}": ${baseName(first.uri)} is not read: ${first.reason}${more}`, fromUri, range);
      return;
    }
    const escapes = /^file:/i.test(path) || /(?:^|\/)\.\.(?:\/|$)/.test(path);
    if (!escapes) return;
    const target = /^file:/i.test(path) ? path : `${dirnameUri(fromUri)}/${path}`;
    const reason = host.refusal?.(target);
    if (reason?.startsWith('outside')) warn(`include "${path}" leads ${reason}: not read`, fromUri, range);
  };

  let included = 0;
  let overflowReported = false;
  const expand = (directives: Directive[], uri: string, chain: string[], depth: number): Node[] => {
    const out: Node[] = [];
    for (const d of directives) {
      if (d.name !== 'include' || d.block || d.args.length !== 1) {
        const children = d.block && !d.opaque && depth < MAX_BLOCK_DEPTH ? expand(d.block, uri, chain, depth + 1) : undefined;
        out.push({ d, uri, children: d.block && !d.opaque ? children ?? [] : undefined });
        continue;
      }
      const path = d.args[0].value;
      refused = [];
      stopped = undefined;
      const targets = resolve(path, uri);
      if (targets.length === 0) {
        unresolved++;
        unresolvedIncludes.add(d);
      }
      notRead(path, uri, d.range, targets.length === 0);
      for (const target of targets) {
        if (chain.includes(target)) {
          problems.push({ message: `include cycle: "${path}" includes a file that is already being included`, uri, range: d.range });
          continue;
        }
        if (chain.length > MAX_INCLUDE_DEPTH) {
          problems.push({ message: `includes nested more than ${MAX_INCLUDE_DEPTH} levels deep are not followed`, uri, range: d.range });
          unresolved++;
          continue;
        }
        if (++included > MAX_INCLUDED_FILES) {
          if (!overflowReported) {
            problems.push({ message: `files are included more than ${MAX_INCLUDED_FILES.toLocaleString('en-US')} times (included again and again): the rest are not followed`, uri, range: d.range });
            overflowReported = true;
          }
          unresolved++;
          continue;
        }
        const cst = load(target);
        if (!cst) {
          unresolved++;
          const reason = host.refusal?.(target);
          if (reason) warn(`include "${path}": ${baseName(target)} is not read: ${reason}`, uri, d.range);
          continue;
        }
        out.push(...expand(cst.directives, target, [...chain, target], depth));
      }
    }
    return out;
  };

  const nodes = expand(rootCst.directives, rootUri, [rootUri], 0);
  return { nodes, files, unresolved, unresolvedIncludes, problems };
}
