import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders never worth walking. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.venv', '__pycache__']);

/** Every file under the given paths (files as given, folders walked recursively in name order). */
export function walkFiles(path: string, exclude: (path: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (p: string, top: boolean) => {
    if (!top && exclude(p)) return;
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch {
        return;
      }
      for (const n of names) {
        if (SKIP_DIRS.has(n) || (n.startsWith('.') && n !== '.')) continue;
        visit(join(p, n), false);
      }
    } else if (st.isFile()) out.push(p);
  };
  visit(path, true);
  return out;
}

/** A minimal glob → RegExp for `exclude` patterns (`**`, `*`, `?`), matched against /-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`);
}
