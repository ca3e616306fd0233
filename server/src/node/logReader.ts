import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MAX_LINE } from '../service/logs/session';

/**
 * Access logs streamed from disk, line by line: plain text or gzip (by its magic bytes, whatever the name; several
 * gzip members one after the other, as `cat a.gz b.gz` makes, are read through). Chunks of 1 MiB are decoded
 * as UTF-8 and cut at line breaks by hand (faster than readline); only the current chunk and the unfinished line
 * are in memory, so a log of any size is read in constant memory. A line longer than MAX_LINE is not kept: its
 * start and length are reported and the rest skipped. Only regular files (a FIFO would block, a device never end)
 * — or standard input, named `-`.
 */

export interface LogLineSink {
  line(text: string): void;
  tooLong(start: string, length: number): void;
}

export interface ReadProgress {
  /** Bytes of the file read so far (compressed bytes for gzip). */
  read: number;
  /** The file's size (undefined for standard input). */
  size?: number;
}

export interface ReadLogOptions {
  signal?: AbortSignal;
  /** Called after each chunk. */
  progress?: (p: ReadProgress) => void;
  /**
   * Bytes per read (default 1 MiB). The language server reads smaller chunks, so that the lines of one chunk are
   * parsed and routed in a few milliseconds between two keystrokes.
   */
  chunkBytes?: number;
  /** Awaited after each chunk: the language server yields to the event loop there, and waits while it is busy. */
  pause?: () => Promise<void>;
}

export class LogReadError extends Error {}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 1024 * 1024;

/** Open a log: a regular file (checked on the descriptor), or `-` for standard input. Throws LogReadError. */
function openLog(path: string, chunkBytes = CHUNK): { stream: Readable; size?: number; gzip: boolean } {
  if (path === '-') return { stream: process.stdin, gzip: false };
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LogReadError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable (permission denied)' : code === 'EISDIR' ? 'a folder, not a log file' : `cannot be opened (${code})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new LogReadError(st.isDirectory() ? 'a folder, not a log file' : st.isFIFO() ? 'a FIFO, not a regular file (pipe it to standard input: --log -)' : 'not a regular file');
  }
  const magic = Buffer.alloc(2);
  const n = readSync(fd, magic, 0, 2, 0);
  const gzip = n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const stream = createReadStream('', { fd, highWaterMark: chunkBytes, start: 0, autoClose: true });
  return { stream, size: st.size, gzip };
}

/**
 * Stream the lines of one log into `sink`. Resolves with an error message when reading stopped early (a truncated
 * or corrupt gzip stream, a read error): the lines before it were delivered. Rejects with LogReadError when the
 * file cannot be opened at all, and with the signal's reason when aborted.
 */
export async function readLogLines(path: string, sink: LogLineSink, options: ReadLogOptions = {}): Promise<{ error?: string; bytes: number }> {
  const { stream: raw, size, gzip } = openLog(path, options.chunkBytes);
  let read = 0;
  raw.on('data', (c: Buffer) => {
    read += c.length;
  });
  const stream: Readable = gzip ? raw.pipe(createGunzip({ chunkSize: Math.min(options.chunkBytes ?? 16 * 1024, 64 * 1024) })) : raw;
  if (gzip) raw.on('error', (e) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  let carry = '';
  /** While skipping the rest of a line that is too long: its start and the length seen so far. */
  let long: { start: string; length: number } | undefined;
  const feed = (text: string) => {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      if (long) {
        long.length += nl - from;
        sink.tooLong(long.start, long.length);
        long = undefined;
      } else {
        let line = carry ? carry + text.slice(from, nl) : text.slice(from, nl);
        carry = '';
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        if (line.length > MAX_LINE) sink.tooLong(line.slice(0, 200), line.length);
        else sink.line(line);
      }
      from = nl + 1;
    }
    const rest = from === 0 ? text : text.slice(from);
    if (long) long.length += rest.length;
    else {
      carry = carry ? carry + rest : rest;
      if (carry.length > MAX_LINE) {
        long = { start: carry.slice(0, 200), length: carry.length };
        carry = '';
      }
    }
  };
  let error: string | undefined;
  try {
    for await (const chunk of stream) {
      if (options.signal?.aborted) {
        stream.destroy();
        raw.destroy();
        throw options.signal.reason ?? new Error('aborted');
      }
      feed(decoder.write(chunk as Buffer));
      options.progress?.({ read, size });
      if (options.pause) {
        await options.pause();
        if (options.signal?.aborted) {
          stream.destroy();
          raw.destroy();
          throw options.signal.reason ?? new Error('aborted');
        }
      }
    }
    feed(decoder.end());
  } catch (e) {
    if (options.signal?.aborted) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    error = code === 'Z_BUF_ERROR' || /unexpected end/i.test((e as Error).message)
      ? 'the gzip stream ends early (a truncated file?): the lines before were read'
      : code === 'Z_DATA_ERROR'
        ? 'the gzip data is corrupt: the lines before were read'
        : `reading stopped: ${(e as Error).message}`;
    raw.destroy();
  }
  if (long) sink.tooLong(long.start, long.length);
  else if (carry.length > 0) {
    const line = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
    if (line.length > 0) sink.line(line);
  }
  return { ...(error ? { error } : {}), bytes: read };
}
