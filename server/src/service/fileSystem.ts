/**
 * What the language service may read. The service itself does no I/O: the LSP server and the CLI pass an
 * implementation (see `node/nodeFileSystem.ts`); tests pass an in-memory one.
 */
export interface FileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read as text. */
  readFile(uri: string): string | undefined;
  /** The names of the entries of a directory (files and folders), or [] when it cannot be read. */
  readDirectory(uri: string): Array<{ name: string; isDirectory: boolean }>;
}

export const EMPTY_FILE_SYSTEM: FileSystem = { readFile: () => undefined, readDirectory: () => [] };
