/**
 * What the language service may read. The service itself does no I/O: the LSP server and the CLI pass an
 * implementation (see `node/nodeFileSystem.ts`); tests pass an in-memory one.
 */
export interface FileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read as text. */
  readFile(uri: string): string | undefined;
  /** The names of the entries of a directory (files and folders), or [] when it cannot be read. */
  readDirectory(uri: string): Array<{ name: string; isDirectory: boolean }>;
  /**
   * Why `readFile(uri)` gives nothing for a path that exists: "outside the workspace", "not a regular file",
   * "larger than 32 MiB", "not readable"…; undefined when the file can be read or does not exist at all.
   */
  refusal?(uri: string): string | undefined;
}

export const EMPTY_FILE_SYSTEM: FileSystem = { readFile: () => undefined, readDirectory: () => [] };

/** Files larger than this are not analysed (the CLI, the server's `lbLens.maxFileSize` default, included files). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** `33554432` → `32 MiB`. */
export function sizeText(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  const kib = bytes / 1024;
  return kib >= 1 ? `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB` : `${bytes} bytes`;
}
