/**
 * The part of a text that format detection looks at: its first non-blank lines. Detection must cost the same
 * on any input — 65,536 blank lines before a config, a 30 MB one-line JSON, a binary — so it sees at most
 * DETECT_BYTES of non-blank lines, each cut at DETECT_LINE characters, found within the first DETECT_SCAN
 * characters; blank lines (spaces, tabs, CR) are left out, so leading blank lines do not push the content out
 * of view, and no `^\s*` can run across many lines. Lines keep their order and their leading indentation.
 */
export const DETECT_BYTES = 64 * 1024;
export const DETECT_LINE = 4096;
export const DETECT_SCAN = 4 * 1024 * 1024;

/** Memo of the last sample (the service asks each format in turn about the same text). */
let lastText: string | undefined;
let lastBytes = 0;
let lastSample = '';

export function detectionSample(text: string, bytes = DETECT_BYTES): string {
  if (text === lastText && bytes === lastBytes) return lastSample;
  const end = Math.min(text.length, DETECT_SCAN);
  const parts: string[] = [];
  let size = 0;
  let at = 0;
  while (at < end && size < bytes) {
    let nl = text.indexOf('\n', at);
    if (nl < 0 || nl > end) nl = end;
    // Blank line? (only spaces, tabs, CR, form feeds, vertical tabs)
    let i = at;
    while (i < nl) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13 && c !== 12 && c !== 11) break;
      i++;
    }
    if (i < nl) {
      let lineEnd = nl;
      if (lineEnd > at && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const line = text.slice(at, Math.min(lineEnd, at + DETECT_LINE));
      parts.push(line);
      size += line.length + 1;
    }
    at = nl + 1;
  }
  const sample = parts.join('\n');
  lastText = text;
  lastBytes = bytes;
  lastSample = sample;
  return sample;
}
