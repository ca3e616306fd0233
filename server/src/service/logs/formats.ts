import {
  NO_REQUEST, absent, addHeader, applyAuthority, applyRequestLine, applyTarget, cachedTime, newRecord, parseAnyTime, parseClfTime, parseIsoTime,
  parsePort, splitHost, type LogRecord, type ParseResult,
} from './record';
import { templateParser } from './template';

/**
 * The access-log formats lb-lens reads, each from its product's documentation, and their detection.
 *
 * - `nginx-combined`: the predefined `combined` format (ngx_http_log_module); `common` (the same without referer
 *   and user agent); any `log_format` the nginx configuration declares (`nginx:<name>`);
 * - `nginx-json`, `envoy-json`, `traefik-json`: one JSON object per line, keys mapped by name (`jsonParser`);
 *   a `log_format … escape=json` template declared in the configuration maps its keys exactly instead;
 * - `haproxy-http`: `option httplog` (and `httpslog`), and `option tcplog` lines (configuration manual 8.2);
 * - `envoy`: Envoy's default format string (configuration/observability/access_log "Default format string"),
 *   and Istio's longer default, which adds the cluster and the listener address after it;
 * - `alb`: AWS Application Load Balancer access logs ("Access log entries" syntax);
 * - `traefik-clf`: Traefik's Common Log Format with router name and server URL.
 */

export type LogFormatId =
  | 'nginx-combined' | 'common' | 'nginx-json' | 'haproxy-http' | 'envoy' | 'envoy-json' | 'alb' | 'traefik-json' | 'traefik-clf' | `nginx:${string}`;

export interface LogParser {
  id: LogFormatId;
  /** For messages: `nginx combined`, `nginx log_format "main"`. */
  label: string;
  parse(line: string): ParseResult;
}

// ---- text helpers ------------------------------------------------------------------------------------------

/** Words of a line: spaces separate, `"…"` (with `\"` inside) and `[…]` and `{…}` are one word each (marks kept). */
export function words(line: string, from = 0): string[] {
  const out: string[] = [];
  let i = from;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const c = line.charCodeAt(i);
    let j: number;
    if (c === 34) {
      j = i + 1;
      while (j < n && line.charCodeAt(j) !== 34) j += line.charCodeAt(j) === 92 ? 2 : 1;
      j = Math.min(n, j + 1);
    } else if (c === 91 || c === 123) {
      const close = c === 91 ? ']' : '}';
      const k = line.indexOf(close, i + 1);
      j = k < 0 ? n : k + 1;
    } else {
      j = line.indexOf(' ', i);
      if (j < 0) j = n;
    }
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

/** `"a b"` → `a b` (with `\"` and `\\` unescaped); a word that is not quoted as it is; undefined when unterminated. */
function unquote(w: string | undefined): string | undefined {
  if (w === undefined) return undefined;
  if (w.charCodeAt(0) !== 34) return w;
  if (w.length < 2 || w.charCodeAt(w.length - 1) !== 34) return undefined;
  const inner = w.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\(["\\])/g, '$1');
}

// ---- nginx and the common log format -------------------------------------------------------------------------

export const COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
const COMMON = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent';
/** Traefik's CLF (observability/access-logs "Common Log Format"). */
const TRAEFIK_CLF = `${COMBINED} $traefik_count "$traefik_router" "$traefik_server_url" $traefik_duration`;

type Want = (name: string) => boolean;
const ALL: Want = () => true;

export function nginxCombinedParser(want: Want = ALL): LogParser {
  return { id: 'nginx-combined', label: 'nginx combined', parse: templateParser(COMBINED, 'default', {}, want).parse };
}

export function commonParser(): LogParser {
  return { id: 'common', label: 'common log format', parse: templateParser(COMMON).parse };
}

export function traefikClfParser(want: Want = ALL): LogParser {
  const p = templateParser(TRAEFIK_CLF, 'none', { traefik_server_url: 'upstream-url', traefik_router: 'ignore', traefik_count: 'ignore', traefik_duration: 'ignore' }, want);
  return { id: 'traefik-clf', label: 'Traefik common log format', parse: p.parse };
}

/** A `log_format` declared in the nginx configuration. */
export function nginxTemplateFormat(name: string, template: string, escape: 'default' | 'json' | 'none', want: Want = ALL): LogParser & { provides: ReturnType<typeof templateParser>['provides'] } {
  const p = templateParser(template, escape, {}, want);
  return { id: `nginx:${name}`, label: `nginx log_format "${name}"${escape !== 'default' ? ` (escape=${escape})` : ''}`, parse: p.parse, provides: p.provides };
}

// ---- JSON lines ------------------------------------------------------------------------------------------------

type Role =
  | 'time' | 'time-start' | 'method' | 'request' | 'target' | 'target-original' | 'path' | 'query' | 'host' | 'host-header' | 'port' | 'local-address'
  | 'scheme' | 'status' | 'status-origin' | 'upstream-address' | 'upstream-url' | 'upstream-pool' | 'entry' | 'src' | 'user-agent' | 'referer' | 'xff';

/**
 * JSON keys by meaning, compared without case, `_`, `-`, `.` and `@`: nginx variable names (`time_local`,
 * `request_uri`, `upstream_addr`… as people name them in `log_format escape=json`), Envoy command operators in
 * `json_format` (`start_time`, `authority`, `upstream_host`, `upstream_cluster`…, Istio's JSON names), and
 * Traefik's fields (`StartUTC`, `RequestMethod`, `RequestPath`, `RequestHost`, `RequestPort`, `ServiceName`,
 * `ServiceAddr`…, observability/access-logs "Limiting the fields/Including headers": headers as `request_<Name>`).
 */
const ROLES: Record<string, Role> = {
  starttime: 'time-start', startutc: 'time-start', startlocal: 'time', timelocal: 'time', timeiso8601: 'time', timestamp: 'time',
  time: 'time', msec: 'time', ts: 'time', date: 'time', datetime: 'time', requestcreationtime: 'time-start',
  requestmethod: 'method', method: 'method', httpmethod: 'method', verb: 'method',
  request: 'request', requestline: 'request',
  requesturi: 'target', requestpath: 'target', url: 'target', xenvoyoriginalpath: 'target-original', originalpath: 'target-original',
  path: 'path', uri: 'path', documenturi: 'path',
  args: 'query', querystring: 'query', query: 'query',
  host: 'host', authority: 'host', requesthost: 'host', vhost: 'host', hostname: 'host', domain: 'host', servername: 'host',
  httphost: 'host-header', requestaddr: 'host-header',
  serverport: 'port', requestport: 'port', port: 'port', downstreamlocaladdress: 'local-address',
  scheme: 'scheme', requestscheme: 'scheme',
  status: 'status', responsecode: 'status', downstreamstatus: 'status', statuscode: 'status', originstatus: 'status-origin',
  upstream: 'upstream-address', upstreamaddr: 'upstream-address', upstreamhost: 'upstream-address', serviceaddr: 'upstream-address', upstreamaddress: 'upstream-address',
  serviceurl: 'upstream-url',
  upstreamcluster: 'upstream-pool', servicename: 'upstream-pool', upstreamname: 'upstream-pool', proxyhost: 'upstream-pool', cluster: 'upstream-pool', backend: 'upstream-pool',
  entrypointname: 'entry', entrypoint: 'entry', frontend: 'entry', frontendname: 'entry',
  remoteaddr: 'src', clienthost: 'src', clientip: 'src', downstreamremoteaddress: 'src',
  httpuseragent: 'user-agent', useragent: 'user-agent', requestuseragent: 'user-agent',
  httpreferer: 'referer', referer: 'referer', requestreferer: 'referer',
  httpxforwardedfor: 'xff', xforwardedfor: 'xff', requestxforwardedfor: 'xff',
};

const roleCache = new Map<string, Role | `header:${string}` | null>();
function roleOf(key: string): Role | `header:${string}` | null {
  let r = roleCache.get(key);
  if (r !== undefined) return r;
  const norm = key.toLowerCase().replace(/[_\-.@]/g, '');
  r = ROLES[norm] ?? null;
  if (!r) {
    // nginx `$http_x_canary` logged as "http_x_canary"; Traefik request headers as "request_X-Canary".
    const m = /^(?:http_|request_)(.+)$/i.exec(key);
    if (m && !/^(?:request_)?(?:uri|method|time|length|id|count|host|port|path|scheme|protocol|line|addr)$/i.test(m[1])) r = `header:${m[1].replace(/_/g, '-').toLowerCase()}`;
  }
  if (roleCache.size < 10_000) roleCache.set(key, r);
  return r;
}

/** An address out of `tcp://10.0.2.1:80` (old Envoy UPSTREAM_HOST) or `http://10.0.0.1:80/`. */
function addressOfUrl(v: string): string {
  if (v.indexOf('://') < 0) return v;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(v);
  return m ? m[1] : v;
}

/**
 * One JSON object per line. With `keys` (a `log_format escape=json` template's key → variable), those keys mean
 * exactly their variable; otherwise keys are read by name (ROLES).
 */
export function jsonParser(id: 'nginx-json' | 'envoy-json' | 'traefik-json' | `nginx:${string}`, label: string, want: Want = ALL): LogParser {
  const timeIso = cachedTime(parseAnyTime);
  // Keys in the order of the previous line, with their roles: the next line usually repeats them, and a key is
  // then recognised in place (no string made for it).
  const order: Array<{ key: string; role: ReturnType<typeof roleOf> }> = [];
  const roles: Array<ReturnType<typeof roleOf>> = [];
  const values: string[] = [];
  let count = 0;
  const put = (role: ReturnType<typeof roleOf>, value: string) => {
    roles[count] = role;
    values[count++] = value;
  };
  /**
   * A flat object scanned in place: values are cut out only for keys with a role. False when the line is not
   * a flat object this scanner reads (nesting, escapes in keys): JSON.parse decides then.
   */
  const scan = (line: string, i: number): boolean | 'invalid' => {
    const n = line.length;
    const plain = line.indexOf('\\', i) < 0;
    let ordinal = 0;
    i++;
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (line.charCodeAt(i) === 125) return true;
    for (;;) {
      if (line.charCodeAt(i) !== 34) return 'invalid';
      let role: ReturnType<typeof roleOf>;
      const known = order[ordinal];
      let j: number;
      if (known && line.startsWith(known.key, i + 1) && line.charCodeAt(i + 1 + known.key.length) === 34) {
        role = known.role;
        j = i + 1 + known.key.length;
      } else {
        j = line.indexOf('"', i + 1);
        if (j < 0) return 'invalid';
        const key = line.slice(i + 1, j);
        if (key.indexOf('\\') >= 0) return false;
        role = roleOf(key);
        order[ordinal] = { key, role };
      }
      ordinal++;
      i = j + 1;
      while (i < n && line.charCodeAt(i) <= 32) i++;
      if (line.charCodeAt(i) !== 58) return 'invalid';
      i++;
      while (i < n && line.charCodeAt(i) <= 32) i++;
      const c = line.charCodeAt(i);
      if (c === 34) {
        let k = i + 1;
        let escaped = false;
        if (plain) {
          // No backslash anywhere in the line: the string ends at the next quote (indexOf is much faster than a loop).
          k = line.indexOf('"', k);
          if (k < 0) return 'invalid';
        } else {
          for (;;) {
            if (k >= n) return 'invalid';
            const d = line.charCodeAt(k);
            if (d === 34) break;
            if (d === 92) {
              escaped = true;
              k += 2;
            } else k++;
          }
        }
        if (role) {
          let v = line.slice(i + 1, k);
          if (escaped) {
            try {
              v = JSON.parse(`"${v}"`) as string;
            } catch {
              return 'invalid';
            }
          }
          put(role, v);
        }
        i = k + 1;
      } else if (c === 123 || c === 91) {
        return false;
      } else {
        let k = i;
        while (k < n) {
          const d = line.charCodeAt(k);
          if (d === 44 || d === 125 || d <= 32) break;
          k++;
        }
        if (k === i) return 'invalid';
        const v = line.slice(i, k);
        if (v !== 'null' && role) put(role, v);
        i = k;
      }
      while (i < n && line.charCodeAt(i) <= 32) i++;
      const e = line.charCodeAt(i);
      if (e === 44) {
        i++;
        while (i < n && line.charCodeAt(i) <= 32) i++;
        continue;
      }
      if (e !== 125) return 'invalid';
      i++;
      while (i < n && line.charCodeAt(i) <= 32) i++;
      return i === n ? true : 'invalid';
    }
  };
  const parse = (line: string): ParseResult => {
    let start = 0;
    while (start < line.length && line.charCodeAt(start) === 32) start++;
    if (line.charCodeAt(start) !== 123) return 'not a JSON object';
    count = 0;
    const scanned = scan(line, start);
    if (scanned === 'invalid') return 'not valid JSON (a truncated line?)';
    if (scanned === false) {
      count = 0;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        return 'not valid JSON (a truncated line?)';
      }
      if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'not a JSON object';
      for (const key in o as Record<string, unknown>) {
        const raw = (o as Record<string, unknown>)[key];
        if (raw === null || raw === undefined || typeof raw === 'object') continue;
        const role = roleOf(key);
        if (role) put(role, String(raw));
      }
    }
    const rec = newRecord();
    let method: string | undefined;
    let request: string | undefined;
    let target: string | undefined;
    let original: string | undefined;
    let path: string | undefined;
    let query: string | undefined;
    let host: string | undefined;
    let hostHeader: string | undefined;
    let time: string | undefined;
    let startTime: string | undefined;
    let status: string | undefined;
    let origin: string | undefined;
    for (let x = 0; x < count; x++) {
      const value = values[x];
      if (absent(value)) continue;
      const role = roles[x];
      if (!role) continue;
      switch (role) {
        case 'time': time ??= value; break;
        case 'time-start': startTime ??= value; break;
        case 'method': method = value; break;
        case 'request': request = value; break;
        case 'target': target = value; break;
        case 'target-original': original = value; break;
        case 'path': path = value; break;
        case 'query': query = value; break;
        case 'host': host = value; break;
        case 'host-header': hostHeader = value; break;
        case 'port': { const p = parsePort(value); if (p !== undefined) rec.port = p; break; }
        case 'local-address': { const p = splitHost(value).port; if (p !== undefined) rec.port ??= p; break; }
        case 'scheme': if (value === 'http' || value === 'https') rec.scheme = value; break;
        case 'status': status = value; break;
        case 'status-origin': origin = value; break;
        case 'upstream-address': {
          // nginx: "192.168.1.1:80, 192.168.1.2:80" when several servers were tried: the first was the balancer's choice.
          const comma = value.indexOf(',');
          const colonGroup = value.indexOf(' : ');
          const cut = comma < 0 ? colonGroup : colonGroup < 0 ? comma : Math.min(comma, colonGroup);
          (rec.upstream ??= {}).address = addressOfUrl(cut < 0 ? value : value.slice(0, cut).trim());
          break;
        }
        case 'upstream-url': (rec.upstream ??= {}).address ??= addressOfUrl(value); break;
        case 'upstream-pool': (rec.upstream ??= {}).pool = value; break;
        case 'entry': rec.entry = value; break;
        case 'src': rec.src = value; break;
        case 'user-agent': if (want('user-agent')) addHeader(rec, 'user-agent', value); break;
        case 'referer': if (want('referer')) addHeader(rec, 'referer', value); break;
        case 'xff': if (want('x-forwarded-for')) addHeader(rec, 'x-forwarded-for', value); break;
        default: if (want(role.slice(7))) addHeader(rec, role.slice(7), value);
      }
    }
    const t = original ?? target;
    if (t !== undefined) {
      if (!applyTarget(rec, t)) return `request target "${t.slice(0, 60)}" is not a path or URL`;
      if (method !== undefined) rec.method = method.toUpperCase();
      else if (request !== undefined) {
        const tmp = newRecord();
        if (applyRequestLine(tmp, request) === undefined) rec.method = tmp.method;
      }
    } else if (request !== undefined) {
      const err = applyRequestLine(rec, request);
      if (err) return err;
      if (method !== undefined) rec.method = method.toUpperCase();
    } else if (path !== undefined) {
      if (!applyTarget(rec, path)) return `path "${path.slice(0, 60)}" is not a path`;
      if (query !== undefined && rec.query === '') rec.query = query;
      if (method !== undefined) rec.method = method.toUpperCase();
    } else {
      return NO_REQUEST;
    }
    if (host !== undefined) applyAuthority(rec, host, false);
    if (hostHeader !== undefined) {
      if (host === undefined) applyAuthority(rec, hostHeader, false);
      const p = splitHost(hostHeader).port;
      if (p !== undefined) rec.port ??= p;
      addHeader(rec, 'host', hostHeader);
    }
    const ts = startTime ?? time;
    if (ts !== undefined) rec.time = timeIso(ts);
    const st = Number(status ?? origin);
    if (Number.isInteger(st)) rec.status = st;
    return rec;
  };
  return { id, label, parse };
}

// ---- HAProxy ---------------------------------------------------------------------------------------------------

/**
 * `option httplog` (configuration manual 8.2.3):
 *   [syslog header] client_ip:port [request_date] frontend_name backend/server TR/Tw/Tc/Tr/Ta status bytes
 *   req_cookie resp_cookie termination_state actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
 *   {captured request headers} {captured response headers} "request line"
 * (`httpslog` adds TLS fields after the request line). `option tcplog` (8.2.2) stops after
 *   frontend backend/server Tw/Tc/Tt bytes termination_state conns queues.
 * A frontend name ending in `~` received the connection over TLS. The date is the proxy's local time without a
 * zone (taken as UTC). `captures` gives each frontend's captured request header names (haproxyLogCaptures).
 */
export function haproxyParser(captures?: Map<string, Array<string | undefined>>): LogParser {
  const time = cachedTime(parseClfTime);
  const parse = (line: string): ParseResult => {
    // The accept date: the first "[dd/Mon/yyyy:" (the syslog tag "haproxy[1234]:" has digits only).
    let open = -1;
    for (let from = 0; ; ) {
      const i = line.indexOf('[', from);
      if (i < 0) break;
      if (line.charCodeAt(i + 3) === 47 && line.charCodeAt(i + 7) === 47 && line.charCodeAt(i + 12) === 58) {
        open = i;
        break;
      }
      from = i + 1;
    }
    if (open < 1) return 'no HAProxy accept date "[dd/Mon/yyyy:hh:mm:ss.mmm]"';
    const close = line.indexOf(']', open);
    if (close < 0) return 'unterminated accept date';
    const before = line.slice(0, open).trimEnd();
    const client = before.slice(before.lastIndexOf(' ') + 1);
    const w = words(line, close + 1);
    if (w.length < 5) return 'too few fields after the accept date (a truncated line?)';
    const rec = newRecord();
    rec.time = time(line.slice(open + 1, close));
    const colon = client.lastIndexOf(':');
    if (colon > 0) rec.src = client.slice(0, colon);
    let frontend = w[0];
    if (frontend.endsWith('~')) {
      frontend = frontend.slice(0, -1);
      rec.scheme = 'https';
    }
    rec.entry = frontend;
    const slash = w[1].indexOf('/');
    if (slash < 0) return `"${w[1]}" is not backend/server`;
    const backend = w[1].slice(0, slash);
    const server = w[1].slice(slash + 1);
    if (server !== '<NOSRV>' && server !== '') rec.upstream = { pool: backend, server };
    else if (backend !== frontend) rec.upstream = { pool: backend };
    const timers = w[2].split('/').length;
    if (timers === 3) {
      // tcplog: a connection, no request.
      rec.tcp = true;
      return rec;
    }
    if (timers !== 5) return `"${w[2]}" is not the timers field (TR/Tw/Tc/Tr/Ta)`;
    const status = Number(w[3]);
    if (Number.isInteger(status) && status > 0) rec.status = status;
    let k = 10;
    const blocks: string[] = [];
    while (k < w.length && w[k].charCodeAt(0) === 123) blocks.push(w[k++]);
    const req = w[k];
    if (req === undefined || req.charCodeAt(0) !== 34) return 'no quoted request line (a truncated line?)';
    const text = unquote(req);
    if (text === undefined) return 'unterminated request line (a truncated line?)';
    if (text === '<BADREQ>') return NO_REQUEST;
    const err = applyRequestLine(rec, text);
    if (err) return err;
    const slots = captures?.get(frontend);
    if (slots?.length && blocks.length > 0) {
      const values = blocks[0].slice(1, -1).split('|');
      slots.forEach((name, i) => {
        const v = values[i];
        if (!name || v === undefined || v === '') return;
        if (name === 'host') {
          if (rec.host === undefined) applyAuthority(rec, v, false);
        }
        addHeader(rec, name, v);
      });
    }
    return rec;
  };
  return { id: 'haproxy-http', label: 'HAProxy httplog/tcplog', parse };
}

// ---- Envoy text --------------------------------------------------------------------------------------------------

/**
 * Envoy's default format (configuration/observability/access_log/usage "Default format string"):
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
 *   %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
 *   "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 * and Istio's default, which inserts %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
 * "%UPSTREAM_TRANSPORT_FAILURE_REASON%" and appends %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
 * %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%.
 * Told apart by the number of quoted fields (6 or 7). Unset values are `-`.
 */
export function envoyParser(): LogParser {
  const time = cachedTime(parseIsoTime);
  const parse = (line: string): ParseResult => {
    if (line.charCodeAt(0) !== 91) return 'does not start with "[START_TIME]"';
    const close = line.indexOf(']');
    if (close < 0) return 'unterminated start time';
    const t = time(line.slice(1, close));
    if (t === undefined) return 'the start time is not ISO 8601';
    const w = words(line, close + 1);
    const quoted: number[] = [];
    w.forEach((x, i) => {
      if (x.charCodeAt(0) === 34) quoted.push(i);
    });
    if (quoted.length !== 6 && quoted.length !== 7) return `expected 6 (Envoy) or 7 (Istio) quoted fields, found ${quoted.length} (a truncated line?)`;
    if (quoted[0] !== 0) return 'the request is not the first field after the time';
    const rec = newRecord();
    rec.time = t;
    const reqText = unquote(w[0]);
    if (reqText === undefined) return 'unterminated request field';
    if (reqText === '- - -') return NO_REQUEST; // a TCP proxy's log line
    const err = applyRequestLine(rec, reqText.replace(/ -$/, ''));
    if (err) return err;
    const status = Number(w[1]);
    if (Number.isInteger(status) && status > 0) rec.status = status;
    const q = (i: number) => {
      const v = unquote(w[quoted[i]]);
      return v === undefined || absent(v) ? undefined : v;
    };
    const istio = quoted.length === 7;
    const off = istio ? 1 : 0;
    const xff = q(1 + off);
    if (xff) addHeader(rec, 'x-forwarded-for', xff);
    const ua = q(2 + off);
    if (ua) addHeader(rec, 'user-agent', ua);
    const authority = q(4 + off);
    if (authority) {
      applyAuthority(rec, authority, false);
      addHeader(rec, 'host', authority);
    }
    const up = q(5 + off);
    if (up) rec.upstream = { address: addressOfUrl(up) };
    if (istio) {
      const after = w.slice(quoted[6] + 1);
      const cluster = after[0];
      if (cluster && !absent(cluster)) (rec.upstream ??= {}).pool = cluster;
      const local = after[2];
      if (local && !absent(local)) {
        const p = splitHost(local).port;
        if (p !== undefined) rec.port = p;
      }
      const src = after[3];
      if (src && !absent(src)) rec.src = splitHost(src).host;
    }
    return rec;
  };
  return { id: 'envoy', label: 'Envoy default format', parse };
}

// ---- AWS ALB -----------------------------------------------------------------------------------------------------

/**
 * Application Load Balancer access log entries (elasticloadbalancing "Access log entries", "Syntax"): space-separated
 *   type time elb client:port target:port request_processing_time target_processing_time response_processing_time
 *   elb_status_code target_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
 *   target_group_arn "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority request_creation_time
 *   "actions_executed" "redirect_url" "error_reason" "target:port_list" "target_status_code_list" …
 * The request is `"GET https://www.example.com:443/path?q HTTP/1.1"` (the URL is built from the Host header and
 * the listener port); `target:port` is `-` when no target took the request (a redirect, a fixed response, an
 * error). `request_creation_time` (when the request arrived) is the time used; `time` when it is absent.
 */
export function albParser(): LogParser {
  const time = cachedTime(parseIsoTime);
  const TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
  const parse = (line: string): ParseResult => {
    const w = words(line);
    if (w.length < 13) return `too few fields for an ALB entry (${w.length}; a truncated line?)`;
    if (!TYPES.has(w[0])) return `"${w[0].slice(0, 20)}" is not an ALB request type (http, https, h2, grpcs, ws, wss)`;
    const rec = newRecord();
    rec.time = time(w[21] && !absent(w[21]) ? w[21] : w[1]) ?? time(w[1]);
    if (rec.time === undefined) return 'the time is not ISO 8601';
    const reqText = unquote(w[12]);
    if (reqText === undefined) return 'unterminated request field (a truncated line?)';
    if (/^- .*- -$/.test(reqText) || reqText === '- - -') return NO_REQUEST;
    const err = applyRequestLine(rec, reqText);
    if (err) return err;
    rec.scheme ??= w[0] === 'http' || w[0] === 'ws' ? 'http' : 'https';
    if (rec.host !== undefined) addHeader(rec, 'host', rec.host);
    const status = Number(w[8]);
    if (Number.isInteger(status) && status > 0) rec.status = status;
    const colon = w[3].lastIndexOf(':');
    if (colon > 0) rec.src = w[3].slice(0, colon);
    const ua = unquote(w[13]);
    if (ua && !absent(ua)) addHeader(rec, 'user-agent', ua);
    const target = w[4];
    const arn = w[16];
    const tg = arn ? /:targetgroup\/([^/]+)\//.exec(arn)?.[1] : undefined;
    if ((target && !absent(target)) || tg) {
      rec.upstream = {};
      if (target && !absent(target)) rec.upstream.address = target;
      if (tg) rec.upstream.pool = tg;
    }
    return rec;
  };
  return { id: 'alb', label: 'AWS ALB access log', parse };
}

// ---- detection -------------------------------------------------------------------------------------------------

export const LOG_FORMAT_IDS = ['auto', 'nginx-combined', 'common', 'nginx-json', 'haproxy-http', 'envoy', 'envoy-json', 'alb', 'traefik-json', 'traefik-clf'] as const;

/** Format names accepted on the command line (`haproxy`, `traefik` as aliases). */
export function normaliseFormatName(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  const alias: Record<string, string> = { haproxy: 'haproxy-http', 'haproxy-tcp': 'haproxy-http', traefik: 'traefik-json', combined: 'nginx-combined', nginx: 'nginx-combined', 'aws-alb': 'alb', json: 'nginx-json' };
  if (n.startsWith('nginx:')) return `nginx:${name.trim().slice(6)}`;
  const id = alias[n] ?? n;
  return (LOG_FORMAT_IDS as readonly string[]).includes(id) ? id : undefined;
}

export interface FormatContext {
  /** Formats declared by the configuration (nginx `log_format`), most likely first. */
  declared?: LogParser[];
  /** HAProxy captured request headers per frontend. */
  haproxyCaptures?: Map<string, Array<string | undefined>>;
  /** Only these logged request headers are kept (the ones the configuration's routes read); default all. */
  wantHeader?: (name: string) => boolean;
}

/** The parser for a format id (`nginx:<name>` needs the declaration in `ctx`). */
export function parserFor(id: string, ctx: FormatContext = {}): LogParser | undefined {
  const want = ctx.wantHeader ?? ALL;
  switch (id) {
    case 'nginx-combined': return nginxCombinedParser(want);
    case 'common': return commonParser();
    case 'nginx-json': return jsonParser('nginx-json', 'nginx JSON', want);
    case 'envoy-json': return jsonParser('envoy-json', 'Envoy JSON', want);
    case 'traefik-json': return jsonParser('traefik-json', 'Traefik JSON', want);
    case 'haproxy-http': return haproxyParser(ctx.haproxyCaptures);
    case 'envoy': return envoyParser();
    case 'alb': return albParser();
    case 'traefik-clf': return traefikClfParser(want);
  }
  return ctx.declared?.find((p) => p.id === id);
}

/** Which JSON dialect a parsed object's keys suggest (for the report only: the key mapping is the same). */
function jsonDialect(line: string): 'nginx-json' | 'envoy-json' | 'traefik-json' {
  if (/"(?:RequestMethod|StartUTC|RouterName|ServiceName|DownstreamStatus)"\s*:/.test(line)) return 'traefik-json';
  if (/"(?:upstream_host|upstream_cluster|authority|response_flags|start_time|x_envoy_original_path)"\s*:/.test(line)) return 'envoy-json';
  return 'nginx-json';
}

/**
 * The format of a file from its first lines: each candidate parses the sample and the one that reads the most
 * lines as requests (or well-formed non-request lines) wins; formats the configuration declares come first, then
 * the most specific. Undefined when none reads at least half of the sample.
 */
export function detectFormat(sample: readonly string[], ctx: FormatContext = {}): LogParser | undefined {
  const lines = sample.filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const candidates: LogParser[] = [
    ...(ctx.declared ?? []),
    albParser(),
    haproxyParser(ctx.haproxyCaptures),
    envoyParser(),
    traefikClfParser(ctx.wantHeader),
    nginxCombinedParser(ctx.wantHeader),
    commonParser(),
  ];
  const jsonLines = lines.filter((l) => l.trimStart().startsWith('{'));
  if (jsonLines.length * 2 >= lines.length) {
    const d = jsonDialect(jsonLines[0]);
    candidates.push(jsonParser(d, d === 'traefik-json' ? 'Traefik JSON' : d === 'envoy-json' ? 'Envoy JSON' : 'nginx JSON', ctx.wantHeader));
  }
  let best: { p: LogParser; score: number } | undefined;
  for (const p of candidates) {
    let score = 0;
    for (const l of lines) {
      const r = p.parse(l);
      if (typeof r !== 'string' || r === NO_REQUEST) score++;
    }
    if (!best || score > best.score) best = { p, score };
  }
  return best && best.score * 2 >= lines.length ? best.p : undefined;
}

export type { LogRecord };
