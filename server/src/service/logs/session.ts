import { detectFormat, parserFor, type FormatContext, type LogParser } from './formats';
import { NO_REQUEST, type LogRecord } from './record';

/**
 * Reading log files line by line into records: the format of each file is the one asked for, or detected from its
 * first lines (DETECT_LINES, held until then); lines that are not records are counted by reason, and the first
 * few are kept to show. Nothing here reads a file: the caller pushes lines (the CLI streams them from disk).
 */

export const DETECT_LINES = 20;
export const SHOWN_ERRORS = 5;
/** Lines longer than this are not parsed (counted as unparseable); the reader drops their rest. */
export const MAX_LINE = 64 * 1024;

export interface LogFileSummary {
  path: string;
  /** The format id used (`nginx-combined`, `nginx:main`…); undefined when none could be detected. */
  format?: string;
  formatLabel?: string;
  lines: number;
  /** Lines that became requests. */
  requests: number;
  /** Well-formed lines without an HTTP request (`"-"`, a TLS handshake on a plain port, a TCP proxy line). */
  noRequest: number;
  unparseable: number;
  /** The first unparseable lines: 1-based line number, why, and the line (cut at 200 characters). */
  examples: Array<{ line: number; reason: string; text: string }>;
  /** A problem reading the file (a truncated gzip stream…): what was read before it counts. */
  error?: string;
}

export class LogFileFeed {
  readonly summary: LogFileSummary;
  private parser?: LogParser;
  private pending: Array<{ n: number; text: string }> | undefined = [];
  private lineNo = 0;

  constructor(path: string, private readonly ctx: FormatContext, private readonly sink: (rec: LogRecord) => void, forced?: LogParser) {
    this.summary = { path, lines: 0, requests: 0, noRequest: 0, unparseable: 0, examples: [] };
    if (forced) this.use(forced);
  }

  private use(p: LogParser): void {
    this.parser = p;
    this.summary.format = p.id;
    this.summary.formatLabel = p.label;
  }

  /** One line (without its line break). */
  push(text: string): void {
    const n = ++this.lineNo;
    if (this.pending) {
      if (!this.parser) {
        this.pending.push({ n, text });
        if (this.pending.filter((x) => x.text.trim() !== '').length >= DETECT_LINES) this.decide();
        return;
      }
      this.flushPending();
    }
    this.handle(n, text);
  }

  /** A line longer than MAX_LINE: only its start is given. */
  pushTooLong(start: string, length: number): void {
    const n = ++this.lineNo;
    if (this.pending && !this.parser) {
      this.pending.push({ n, text: `\u0000${length}\u0000${start.slice(0, 200)}` });
      return;
    }
    if (this.pending) this.flushPending();
    this.summary.lines++;
    this.fail(n, `longer than ${MAX_LINE / 1024} KiB (${length.toLocaleString('en-US')} characters)`, start);
  }

  private decide(): void {
    const sample = this.pending!.filter((x) => !x.text.startsWith('\u0000')).map((x) => x.text);
    const p = detectFormat(sample, this.ctx);
    if (p) this.use(p);
    this.flushPending();
  }

  private flushPending(): void {
    const list = this.pending ?? [];
    this.pending = undefined;
    for (const x of list) {
      if (x.text.startsWith('\u0000')) {
        const [, len, start] = x.text.split('\u0000');
        this.summary.lines++;
        this.fail(x.n, `longer than ${MAX_LINE / 1024} KiB (${Number(len).toLocaleString('en-US')} characters)`, start);
      } else this.handle(x.n, x.text);
    }
  }

  private handle(n: number, text: string): void {
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    this.summary.lines++;
    if (!this.parser) {
      this.fail(n, 'the file\'s format was not recognised (--log-format names it)', text);
      return;
    }
    const r = this.parser.parse(text);
    if (typeof r === 'string') {
      if (r === NO_REQUEST) this.summary.noRequest++;
      else this.fail(n, r, text);
      return;
    }
    this.summary.requests++;
    this.sink(r);
  }

  private fail(n: number, reason: string, text: string): void {
    this.summary.unparseable++;
    if (this.summary.examples.length < SHOWN_ERRORS) this.summary.examples.push({ line: n, reason, text: text.length > 200 ? `${text.slice(0, 200)}…` : text });
  }

  /** The end of the file (`error`: why reading stopped early). */
  end(error?: string): LogFileSummary {
    if (this.pending) {
      if (!this.parser) this.decide();
      else this.flushPending();
    }
    if (error) this.summary.error = error;
    return this.summary;
  }
}

/** A feed for one file, with the format forced by name (`--log-format`) or detected ('auto'). */
export function openLogFile(path: string, format: string, ctx: FormatContext, sink: (rec: LogRecord) => void): LogFileFeed {
  const forced = format === 'auto' ? undefined : parserFor(format, ctx);
  if (format !== 'auto' && !forced) throw new Error(`unknown log format "${format}"`);
  return new LogFileFeed(path, ctx, sink, forced);
}
