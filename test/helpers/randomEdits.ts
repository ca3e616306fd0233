/** Deterministic random edits for differential tests of incremental parsing (a failure can be replayed by seed). */

/** A small xorshift PRNG: numbers in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * One random edit like an editor makes them: insert one of `snippets`, delete a few characters, replace one
 * character (a keystroke that keeps line numbers), or delete a whole line.
 */
export function randomEdit(text: string, next: () => number, snippets: readonly string[]): string {
  const at = Math.floor(next() * (text.length + 1));
  const r = next();
  if (r < 0.35) return text.slice(0, at) + snippets[Math.floor(next() * snippets.length)] + text.slice(at);
  if (r < 0.6) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(next() * 12)));
  if (r < 0.8) return text.slice(0, at) + 'abcdefgkrsw0123456789 _-:.'[Math.floor(next() * 26)] + text.slice(at + 1);
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  return text.slice(0, start) + (end < 0 ? '' : text.slice(end + 1));
}
