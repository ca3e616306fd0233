import type { Position, Range } from '../model/types';

/** Converts UTF-16 offsets into 0-based line/character positions. Built once per text, O(log n) per lookup. */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    if (text.indexOf('\r') < 0) {
      // Fast path for the usual LF-only text: indexOf scans far faster than a charCodeAt loop.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offset(pos: Position): number {
    if (pos.line >= this.starts.length) return this.text.length;
    if (pos.line < 0) return 0;
    return Math.min(this.starts[pos.line] + Math.max(0, pos.character), this.lineEnd(pos.line));
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** Offset just past the last character of the line (before its line break). */
  lineEnd(line: number): number {
    if (line + 1 < this.starts.length) {
      let e = this.starts[line + 1] - 1;
      if (e > 0 && this.text.charCodeAt(e) === 10 && this.text.charCodeAt(e - 1) === 13) e--;
      return e;
    }
    return this.text.length;
  }
}
