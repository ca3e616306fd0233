import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { FileSystem } from '../service/fileSystem';
import { MAX_FILE_BYTES } from '../service/languageService';
import { uriToPath } from '../service/uri';

/** The real file system, read-only, for the LSP server and the CLI. */
export const nodeFileSystem: FileSystem = {
  readFile(uri) {
    try {
      const path = uriToPath(uri);
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  readDirectory(uri) {
    try {
      return readdirSync(uriToPath(uri), { withFileTypes: true }).map((d) => {
        let isDirectory = d.isDirectory();
        if (d.isSymbolicLink()) {
          try {
            isDirectory = statSync(`${uriToPath(uri)}/${d.name}`).isDirectory();
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
