/**
 * One access-log line as lb-lens replays it: the request (what the routing engine needs), when it arrived, and
 * where the proxy says it went (for drift). Every log format parses into this; nothing here knows a format.
 *
 * Pure code: lines in, records out. Parsers never throw on a line; they return a reason string instead.
 */

export interface ObservedUpstream {
  /** The address the proxy forwarded to (`10.0.0.1:8080`, `[2001:db8::1]:80`, `unix:/run/app.sock`). */
  address?: string;
  /** The pool / backend / cluster / target group name the log records. */
  pool?: string;
  /** The server's name (HAProxy `backend/server`). */
  server?: string;
}

export interface LogRecord {
  /** Upper case. */
  method: string;
  /** Without the query; `/` when the log records none. */
  path: string;
  /** Raw query string without `?` (empty when none). */
  query: string;
  /** The host the request named (Host header or absolute URL), lower case, without port; undefined: not logged. */
  host?: string;
  /** The port the request arrived on, when the log records it. */
  port?: number;
  scheme?: 'http' | 'https';
  /** Logged request headers (lower-case names), besides Host. */
  headers?: Array<[string, string]>;
  /** Seconds since the epoch (fractional); undefined: the line has no usable time. */
  time?: number;
  status?: number;
  /** The client's address. */
  src?: string;
  /** The entry point / frontend the log names (HAProxy frontend, Traefik entry point). */
  entry?: string;
  upstream?: ObservedUpstream;
  /** A connection without an HTTP request (HAProxy tcplog): routed as a request without host or path. */
  tcp?: boolean;
}

/** Why a line is not a record. `NO_REQUEST` lines are well-formed log lines that carry no HTTP request. */
export const NO_REQUEST = 'no HTTP request on this line';

export type ParseResult = LogRecord | string;

// ---- request line ------------------------------------------------------------------------------------------

const TOKEN = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

/**
 * Split a request target into path and query, and the authority when it is absolute (`http://a.com:8080/x?y`,
 * as sent to a proxy, or logged by HAProxy for HTTP/2 and by ALB). Fills the record. False when it is not a target.
 */
export function applyTarget(rec: LogRecord, target: string): boolean {
  if (target.length === 0) return false;
  let rest = target;
  const c = target.charCodeAt(0);
  if (c !== 47 /* / */) {
    if (target === '*') {
      rec.path = '*';
      rec.query = '';
      return true;
    }
    const sep = target.indexOf('://');
    if (sep > 0 && sep < 10) {
      const scheme = target.slice(0, sep).toLowerCase();
      if (scheme === 'https' || scheme === 'wss') rec.scheme = 'https';
      else if (scheme === 'http' || scheme === 'ws') rec.scheme = 'http';
      const after = target.slice(sep + 3);
      let slash = -1;
      for (let i = 0; i < after.length; i++) {
        const ch = after.charCodeAt(i);
        if (ch === 47 || ch === 63 || ch === 35) {
          slash = i;
          break;
        }
      }
      const authority = slash < 0 ? after : after.slice(0, slash);
      applyAuthority(rec, authority, true);
      rest = slash < 0 ? '/' : after.slice(slash);
      if (rest.charCodeAt(0) === 63) rest = `/${rest}`;
    } else {
      // CONNECT host:port (authority form) and anything else: the path is unknown.
      if (/^[A-Za-z0-9.-]+:\d+$/.test(target) || target.startsWith('[')) {
        applyAuthority(rec, target, true);
        rec.path = '/';
        rec.query = '';
        return true;
      }
      return false;
    }
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  rec.path = q < 0 ? rest : rest.slice(0, q);
  rec.query = q < 0 ? '' : rest.slice(q + 1);
  if (rec.path === '') rec.path = '/';
  return true;
}

/** `a.com:8080` / `[::1]:80` / `A.com.` → host and port on the record. `setPort`: a port in it is the connection's. */
export function applyAuthority(rec: LogRecord, authority: string, setPort: boolean): void {
  const { host, port } = splitHost(authority);
  if (host) rec.host = host;
  if (setPort && port !== undefined) rec.port = port;
}

/** Host (lower case, no brackets, no trailing dot) and port of `host[:port]`. */
/** Logs repeat a few authorities (the site, the upstreams) millions of times: their split, remembered (bounded). */
const splits = new Map<string, Readonly<{ host: string; port?: number }>>();

export function splitHost(authority: string): Readonly<{ host: string; port?: number }> {
  const hit = splits.get(authority);
  if (hit) return hit;
  const r = split(authority);
  if (authority.length <= 300) {
    if (splits.size >= 4096) splits.clear();
    splits.set(authority, r);
  }
  return r;
}

function split(authority: string): { host: string; port?: number } {
  let a = authority;
  const at = a.lastIndexOf('@');
  if (at >= 0) a = a.slice(at + 1);
  let port: number | undefined;
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    if (close > 0) {
      const rest = a.slice(close + 1);
      if (rest.length > 1 && rest.charCodeAt(0) === 58) port = toPort(rest.slice(1));
      a = a.slice(1, close);
    }
  } else {
    const colon = a.lastIndexOf(':');
    if (colon >= 0 && a.indexOf(':') === colon) {
      port = toPort(a.slice(colon + 1));
      a = a.slice(0, colon);
    }
  }
  let host = a.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return { host, port };
}

function toPort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n >= 1 && n <= 65535 ? n : undefined;
}

export function parsePort(s: string | undefined): number | undefined {
  return s === undefined ? undefined : toPort(s.trim());
}

/**
 * `GET /index.html HTTP/1.1` (nginx `$request`, HAProxy `%r`, ALB "request") into the record. Also the
 * HTTP/0.9 form without a protocol. NO_REQUEST for `-`, empty, and what is not a request (a TLS handshake sent
 * to a plain-HTTP port is logged as `\x16\x03\x01…` with status 400).
 */
export function applyRequestLine(rec: LogRecord, line: string): string | undefined {
  if (line === '' || line === '-') return NO_REQUEST;
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return NO_REQUEST;
  const method = line.slice(0, sp1);
  const known = METHODS.has(method);
  if (!known && !TOKEN.test(method)) return NO_REQUEST;
  const sp2 = line.lastIndexOf(' ');
  const target = sp2 > sp1 && line.startsWith('HTTP/', sp2 + 1) ? line.slice(sp1 + 1, sp2) : line.slice(sp1 + 1);
  rec.method = known ? method : method.toUpperCase();
  if (!applyTarget(rec, target)) return `request target "${target.slice(0, 60)}" is not a path or URL`;
  return undefined;
}

export function newRecord(): LogRecord {
  return { method: 'GET', path: '/', query: '' };
}

// ---- values ------------------------------------------------------------------------------------------------

/** nginx's default escaping (`"`, `\` and bytes outside 32–126 as `\xXX`, log_format escape=default) undone. */
export function unescapeNginx(v: string): string {
  if (v.indexOf('\\x') < 0) return v;
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 && v.charCodeAt(i + 1) === 120 && i + 3 < v.length && isHex(v.charCodeAt(i + 2)) && isHex(v.charCodeAt(i + 3))) {
      bytes.push(parseInt(v.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Already decoded text (a log read as UTF-8): encode it back so escaped bytes join it.
      const cp = v.codePointAt(i)!;
      for (const b of UTF8.encode(String.fromCodePoint(cp))) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return UTF8_DECODER.decode(new Uint8Array(bytes));
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8');
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A logged value that means "not set": nginx and Envoy write `-`. */
export const absent = (v: string | undefined): boolean => v === undefined || v === '' || v === '-';

// ---- timestamps --------------------------------------------------------------------------------------------

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** `+0200` / `-07:00` / `Z` → offset in seconds east of UTC; undefined when malformed. */
function zoneOffset(z: string): number | undefined {
  if (z === '' || z === 'Z' || z === 'z') return 0;
  const sign = z[0] === '-' ? -1 : z[0] === '+' ? 1 : 0;
  if (!sign) return undefined;
  const t = z.slice(1).replace(':', '');
  if (!/^\d{4}$/.test(t)) return undefined;
  return sign * (Number(t.slice(0, 2)) * 3600 + Number(t.slice(2)) * 60);
}

/**
 * Common Log Format time, `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`, Traefik CLF), also with
 * milliseconds and without a zone (HAProxy `06/Feb/2009:12:14:14.655`, local time of the proxy: taken as UTC —
 * only differences between lines matter for rates). Seconds since the epoch, or undefined.
 */
export function parseClfTime(s: string): number | undefined {
  if (s.length < 20 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58) return undefined;
  const day = digits(s, 0, 2);
  const month = MONTHS[s.slice(3, 6)];
  const year = digits(s, 7, 4);
  const h = digits(s, 12, 2);
  const m = digits(s, 15, 2);
  const sec = digits(s, 18, 2);
  if (month === undefined || Number.isNaN(day + year + h + m + sec)) return undefined;
  let i = 20;
  let frac = 0;
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    frac = Number(`0.${s.slice(i + 1, j)}`) || 0;
    i = j;
  }
  const zone = s.slice(i).trim();
  const off = zoneOffset(zone);
  if (off === undefined) return undefined;
  return Date.UTC(year, month, day, h, m, sec) / 1000 + frac - off;
}

/** ISO 8601 / RFC 3339 (`2018-07-02T22:23:00.186641Z`, `2024-05-01T10:00:00+02:00`, a space for `T`). */
export function parseIsoTime(s: string): number | undefined {
  if (s.length < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32 && t !== 116) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const m = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (Number.isNaN(year + month + day + h + m + sec) || month < 1 || month > 12) return undefined;
  let i = 19;
  let frac = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    frac = Number(`0.${s.slice(i + 1, j)}`) || 0;
    i = j;
  }
  const off = zoneOffset(s.slice(i).trim());
  if (off === undefined) return undefined;
  return Date.UTC(year, month - 1, day, h, m, sec) / 1000 + frac - off;
}

/** Seconds (or milliseconds, when the number is that large) since the epoch: nginx `$msec`, `%START_TIME(%s)%`. */
export function parseEpoch(s: string): number | undefined {
  if (!/^\d{9,13}(\.\d+)?$/.test(s)) return undefined;
  const v = Number(s);
  return v > 1e11 ? v / 1000 : v;
}

/** Any of the above, tried in order (JSON logs whose time key's format is not known in advance). */
export function parseAnyTime(s: string): number | undefined {
  return parseIsoTime(s) ?? parseClfTime(s) ?? parseEpoch(s);
}

/** A one-entry cache in front of a time parser: consecutive lines usually share their timestamp text. */
export function cachedTime(parse: (s: string) => number | undefined): (s: string) => number | undefined {
  let lastText = '';
  let lastValue: number | undefined;
  return (s) => {
    if (s === lastText) return lastValue;
    lastText = s;
    lastValue = parse(s);
    return lastValue;
  };
}

/** Add a header to a record (lower-case name). */
export function addHeader(rec: LogRecord, name: string, value: string): void {
  (rec.headers ??= []).push([name, value]);
}

/**
 * A string with storage of its own. Values cut from a line share the line's storage (and the line the whole chunk
 * it was read in): anything kept past the line (memo keys, examples) must be copied or it keeps megabytes alive.
 */
export function own(s: string): string {
  return (' ' + s).slice(1);
}
