import { ModelBuilder } from '../../model/builder';
import type { Range, Route } from '../../model/types';
import type { FormatHost } from '../types';
import type { YamlFile } from '../yaml/yamlFile';

/** A model builder with the YAML file's comments (for suppressions) and syntax errors (LB001) already in. */
export function builderFor(format: string, uri: string, file: YamlFile): ModelBuilder {
  const b = new ModelBuilder(format, uri);
  for (const c of file.comments) b.comment({ text: c.text, source: b.ref(c.range) });
  for (const e of file.errors) b.problem('LB001', e.message, b.ref(e.range));
  return b;
}

/** `file:///a/b/c.yaml` → `c.yaml`. */
export const baseName = (uri: string): string => uri.slice(uri.lastIndexOf('/') + 1);

/**
 * The other files of the document's folder with one of the given extensions, through the host. `listed` is
 * true when the folder could be listed at all (the document itself is among the results): only then can a
 * format say it has seen the whole set.
 */
export function siblings(uri: string, host: FormatHost, extensions: string[]): { files: string[]; listed: boolean } {
  const all = new Set<string>();
  for (const ext of extensions) for (const f of host.glob(`*.${ext}`, uri)) all.add(f);
  const listed = all.has(uri);
  all.delete(uri);
  return { files: [...all].sort(), listed };
}

/** A range covering `from` to `to`. */
export const span = (from: Range, to: Range): Range => ({ start: from.start, end: to.end });

/** True when two routes' conditions can never hold for one request (different exact values on one field). */
export function disjoint(a: Route, b: Route): boolean {
  for (const ca of a.match) {
    if (ca.negated) continue;
    for (const cb of b.match) {
      if (cb.negated || ca.field !== cb.field) continue;
      const fold = ca.field === 'host' || ca.field === 'method';
      const va = fold ? ca.value.toLowerCase() : ca.value;
      const vb = fold ? cb.value.toLowerCase() : cb.value;
      if (ca.op === 'exact' && cb.op === 'exact' && va !== vb) return true;
      if (ca.op === 'exact' && cb.op === 'prefix' && !va.startsWith(vb)) return true;
      if (ca.op === 'prefix' && cb.op === 'exact' && !vb.startsWith(va)) return true;
      if (ca.op === 'prefix' && cb.op === 'prefix' && !va.startsWith(vb) && !vb.startsWith(va)) return true;
    }
  }
  return false;
}
