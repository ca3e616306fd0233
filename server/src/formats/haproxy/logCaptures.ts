import { parseHaproxy } from './parser';

/**
 * The request headers each HAProxy frontend captures into its logs, in slot order (configuration manual 8.8,
 * "Capturing HTTP headers"): `capture request header <name> len <n>` lines and `http-request capture
 * <sample> len <n>` (which allocates the next slot) appear in the log's `{…|…}` block in declaration order.
 * `lb-lens replay` uses them to read the Host and other headers of an `option httplog` line.
 * A slot whose sample is not a plain header fetch (`req.hdr(name)`, `hdr(name)`) has no name (undefined).
 */
export function haproxyLogCaptures(text: string): Map<string, Array<string | undefined>> {
  const out = new Map<string, Array<string | undefined>>();
  for (const s of parseHaproxy(text).sections) {
    if ((s.keyword !== 'frontend' && s.keyword !== 'listen') || !s.name) continue;
    const slots: Array<string | undefined> = [];
    for (const l of s.lines) {
      const w = l.words.map((x) => x.value);
      if (w[0] === 'capture' && w[1] === 'request' && w[2] === 'header' && w[3]) slots.push(w[3].toLowerCase());
      else if (w[0] === 'http-request' && w[1] === 'capture' && w[2] && w.includes('len')) {
        const m = /^(?:req\.)?hdr\(([^),]+)[^)]*\)$/i.exec(w[2]);
        slots.push(m ? m[1].toLowerCase() : undefined);
      }
    }
    out.set(s.name.value, slots);
  }
  return out;
}
