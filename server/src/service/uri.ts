import { fileURLToPath, pathToFileURL } from 'node:url';
import { posix } from 'node:path';

/** `file:` URIs ↔ paths, without touching the file system. */
export function uriToPath(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export function dirnameUri(uri: string): string {
  const i = uri.lastIndexOf('/');
  return i > 'file://'.length ? uri.slice(0, i) : uri;
}

export function basenameUri(uri: string): string {
  return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
}

/** Resolve a (possibly relative) path against a directory URI. */
export function resolveUri(dirUri: string, path: string): string {
  if (/^[a-z][\w+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return path;
  if (path.startsWith('/')) return pathToUri(posix.normalize(path));
  return pathToUri(posix.normalize(posix.join(uriToPath(dirUri).replace(/\\/g, '/'), path)));
}

export function isInside(uri: string, rootUri: string): boolean {
  const root = rootUri.endsWith('/') ? rootUri : `${rootUri}/`;
  return uri === rootUri || uri.startsWith(root);
}
