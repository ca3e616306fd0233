import type { RequestField } from '../../model/types';

/**
 * A request as the routing engine evaluates it. Values are as the products compare them: the method upper case,
 * the host lower case without port or trailing dot, headers by lower-case name.
 */
export interface Request {
  method: string;
  scheme: 'http' | 'https';
  host: string;
  /** The connection's destination port (the URL's port, or the scheme's default, or `--port`). */
  port: number;
  /** The path without the query, as sent (`/api/users`). */
  path: string;
  /** The raw query string without `?` ('' when none). */
  query: string;
  /** Header values by lower-case name (repeated headers joined with `,`). `host` is the Host header as sent. */
  headers: ReadonlyMap<string, string>;
  /** TLS server name indication; undefined without TLS or when the client sent none. */
  sni?: string;
  /** The client's address, when a config matches on it. */
  src?: string;
}

export interface RequestOptions {
  /** `Name: value` lines. */
  headers?: string[];
  sni?: string;
  /** The connection port when it differs from the URL's (`Host: a.com:1234` sent to port 80). */
  port?: number;
  src?: string;
}

export class RequestError extends Error {}

const METHOD = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

/**
 * Parse `GET https://shop.example.com/api/users?x=1` (the method is optional, GET by default; a URL without a
 * scheme is http; a bare path `/api` has no host). Throws RequestError with a message for people.
 */
export function parseRequest(text: string, options: RequestOptions = {}): Request {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > 2) throw new RequestError(`expected "[METHOD] URL", got "${text.trim()}"`);
  const method = words.length === 2 ? words[0] : 'GET';
  if (!METHOD.test(method)) throw new RequestError(`"${method}" is not an HTTP method`);
  let target = words[words.length - 1];
  let scheme: 'http' | 'https' = 'http';
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target);
  if (m) {
    const s = m[1].toLowerCase();
    if (s !== 'http' && s !== 'https') throw new RequestError(`unsupported scheme "${m[1]}" (http or https)`);
    scheme = s;
  } else if (!target.startsWith('/')) {
    target = `http://${target}`;
  }
  let authority = '';
  let rest = target;
  if (/^[a-z]+:\/\//i.test(target)) {
    const after = target.replace(/^[a-z]+:\/\//i, '');
    const slash = after.search(/[/?#]/);
    authority = slash < 0 ? after : after.slice(0, slash);
    rest = slash < 0 ? '/' : after.slice(slash);
    if (rest.startsWith('?')) rest = `/${rest}`;
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  if (/[\s]/.test(path)) throw new RequestError('the path contains white space');

  const headers = new Map<string, string>();
  for (const h of options.headers ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new RequestError(`header "${h}" is not "Name: value"`);
    const name = h.slice(0, i).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new RequestError(`"${h.slice(0, i).trim()}" is not a header name`);
    const value = h.slice(i + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  // The Host header, when given, wins over the URL's authority (as a client sending both would be read).
  const hostHeader = headers.get('host') ?? authority.replace(/^[^@]*@/, '');
  if (hostHeader && !headers.has('host')) headers.set('host', hostHeader);
  const { host, port: hostPort } = splitAuthority(hostHeader);
  let port = options.port ?? (authority ? splitAuthority(authority.replace(/^[^@]*@/, '')).port : undefined) ?? hostPort;
  port ??= scheme === 'https' ? 443 : 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RequestError(`port ${port} is out of range (1-65535)`);
  return {
    method: method.toUpperCase(),
    scheme,
    host,
    port,
    path: path || '/',
    query,
    headers,
    sni: options.sni !== undefined ? options.sni.toLowerCase() : scheme === 'https' && host && !isIpLiteral(host) ? host : undefined,
    src: options.src,
  };
}

function isIpLiteral(h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}

/** `a.com:8080` → host `a.com`, port 8080; `[::1]:80`; a trailing dot is dropped; lower case. */
export function splitAuthority(authority: string): { host: string; port?: number } {
  let a = authority.trim();
  let port: number | undefined;
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    const rest = close > 0 ? a.slice(close + 1) : '';
    if (rest.startsWith(':') && /^\d+$/.test(rest.slice(1))) port = Number(rest.slice(1));
    a = close > 0 ? a.slice(1, close) : a;
  } else {
    const m = /^(.*):(\d+)$/.exec(a);
    if (m && !m[1].includes(':')) {
      a = m[1];
      port = Number(m[2]);
    }
  }
  return { host: a.toLowerCase().replace(/\.$/, ''), port };
}

/** The first value of a query parameter (undefined when absent), `+` as space, percent-decoded where valid. */
export function queryArg(query: string, name: string): string | undefined {
  if (!query) return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    if (k === name) return eq < 0 ? '' : decode(part.slice(eq + 1));
  }
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** A cookie's value from the Cookie header. */
function cookie(headers: ReadonlyMap<string, string>, name: string): string | undefined {
  const c = headers.get('cookie');
  if (c === undefined) return undefined;
  for (const part of c.split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The value of a field, or undefined when the request does not have it (a header not sent). */
export function fieldValue(req: Request, field: RequestField): string | undefined {
  switch (field) {
    case 'method':
      return req.method;
    case 'scheme':
      return req.scheme;
    case 'host':
      return req.host;
    case 'port':
      return String(req.port);
    case 'path':
      return req.path;
    case 'query':
      return req.query;
    case 'url':
      return req.query ? `${req.path}?${req.query}` : req.path;
    case 'sni':
      return req.sni;
    case 'src':
      return req.src;
    case 'tls':
      return req.scheme === 'https' ? 'on' : 'off';
  }
  if (field.startsWith('header:')) return req.headers.get(field.slice(7));
  if (field.startsWith('arg:')) return queryArg(req.query, field.slice(4));
  if (field.startsWith('cookie:')) return cookie(req.headers, field.slice(7));
  return undefined;
}

/** The request in one line, for traces and examples: `GET https://a.com/x?y=1 (X-Canary: yes)`. */
export function describeRequest(req: Request): string {
  const defaultPort = req.scheme === 'https' ? 443 : 80;
  const hostPart = req.host ? `${req.scheme}://${req.host}${req.port !== defaultPort ? `:${req.port}` : ''}` : '';
  const extra = [...req.headers].filter(([k]) => k !== 'host').map(([k, v]) => `${k}: ${v}`);
  return `${req.method} ${hostPart}${req.path}${req.query ? `?${req.query}` : ''}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}
