import type { FormatHost } from '../formats/types';
import type { FileSystem } from './fileSystem';
import { dirnameUri, isInside, pathToUri, resolveUri, uriToPath } from './uri';

/** Shell-style glob for one path segment (`*`, `?`, `[…]`) → RegExp. */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const hasMagic = (s: string) => /[*?[]/.test(s);

/**
 * The FormatHost the service gives formats: open documents first, then the file system, and never a file
 * outside the allowed roots (the workspace folders, or the folders the CLI was asked to check).
 */
export function createFormatHost(
  fs: FileSystem,
  openText: (uri: string) => string | undefined,
  roots: () => readonly string[],
): FormatHost {
  const allowed = (uri: string) => {
    const r = roots();
    return r.length > 0 && r.some((root) => isInside(uri, root));
  };
  return {
    readFile(uri) {
      if (!allowed(uri)) return undefined;
      return openText(uri) ?? fs.readFile(uri);
    },
    glob(pattern, baseUri) {
      const target = resolveUri(dirnameUri(baseUri.endsWith('/') ? `${baseUri}x` : baseUri), pattern);
      if (!hasMagic(pattern)) return allowed(target) && (openText(target) !== undefined || fs.readFile(target) !== undefined) ? [target] : [];
      // Walk segment by segment from the last directory without magic characters.
      const parts = uriToPath(target).split('/');
      let firstMagic = parts.findIndex(hasMagic);
      if (firstMagic < 0) firstMagic = parts.length;
      let dirs = [parts.slice(0, firstMagic).join('/') || '/'];
      for (let i = firstMagic; i < parts.length; i++) {
        const last = i === parts.length - 1;
        const re = segmentRegExp(parts[i]);
        const next: string[] = [];
        for (const dir of dirs) {
          const entries = fs.readDirectory(pathToUri(dir)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          for (const e of entries) {
            if (e.name.startsWith('.') && !parts[i].startsWith('.')) continue;
            if (!re.test(e.name) || e.isDirectory === last) continue;
            next.push(dir.endsWith('/') ? dir + e.name : `${dir}/${e.name}`);
          }
        }
        dirs = next;
      }
      return dirs.map(pathToUri).filter(allowed);
    },
  };
}
