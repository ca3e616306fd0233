import {
  NO_REQUEST, addHeader, applyAuthority, applyRequestLine, applyTarget, cachedTime, newRecord, parseClfTime, parseEpoch, parseIsoTime,
  parsePort, splitHost, unescapeNginx, type LogRecord, type ParseResult,
} from './record';

/**
 * nginx `log_format` templates compiled into line parsers (ngx_http_log_module). A template is literal text and
 * variables (`$name`, `${name}`); a line is read left to right: each variable's value runs up to the next
 * occurrence of the literal text that follows it in the template (the last one to the end of the line). nginx
 * escapes `"` and `\` in values (`\xXX` by default, `\"` with escape=json), so a value never contains the quote
 * that closes it; an unquoted variable followed by a space must not contain spaces (as with every log reader).
 *
 * The variables that make the request (ngx_http_core_module "Embedded variables"):
 * - `$request` ("full original request line") or `$request_method` + `$request_uri` ("full original request URI
 *   (with arguments)"), else `$uri`/`$document_uri` + `$args`/`$query_string`;
 * - `$host` ("host name from the request line, or from the Host header, or the server name"), else
 *   `$http_host` (the Host header as sent), else `$server_name`; `$server_port`, `$scheme`, `$https`;
 * - `$http_<name>`: a request header (underscores for dashes);
 * - `$time_local`, `$time_iso8601`, `$msec`; `$status`; `$remote_addr`;
 * - where it went: `$upstream_addr` (the first address when several servers were tried: "192.168.1.1:80,
 *   192.168.1.2:80", or groups "… : …" after an internal redirect — the balancer's first choice),
 *   `$proxy_host` (the `proxy_pass` host: the upstream's name).
 * Unknown variables are read and ignored.
 */

interface Token {
  literal?: string;
  variable?: string;
}

export function compileTemplate(template: string): Token[] {
  const tokens: Token[] = [];
  let lit = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === '$') {
      let name = '';
      let j = i + 1;
      if (template[j] === '{') {
        const close = template.indexOf('}', j);
        if (close > j) {
          name = template.slice(j + 1, close);
          j = close + 1;
        }
      } else {
        while (j < template.length && /[A-Za-z0-9_]/.test(template[j])) j++;
        name = template.slice(i + 1, j);
      }
      if (name) {
        if (lit) tokens.push({ literal: lit });
        lit = '';
        tokens.push({ variable: name });
        i = j;
        continue;
      }
    }
    lit += c;
    i++;
  }
  if (lit) tokens.push({ literal: lit });
  return tokens;
}

export interface TemplateParser {
  /** Parse one line; a string says why it is not a record. */
  parse(line: string): ParseResult;
  /** The variables the template logs. */
  variables: string[];
  /** What the records carry, for the report ("host", "port", "upstream"...). */
  provides: { host: boolean; port: boolean; time: boolean; upstream: boolean };
}

type Escape = 'default' | 'json' | 'none';

function unescapeJsonValue(v: string): string {
  if (v.indexOf('\\') < 0) return v;
  try {
    return JSON.parse(`"${v}"`) as string;
  } catch {
    return v;
  }
}

/**
 * A parser for lines written with this template. `extra` maps variables outside nginx (the Traefik common
 * format's router and server URL) to what they mean.
 */
export function templateParser(
  template: string, escape: Escape = 'default', extra: Record<string, 'upstream-url' | 'pool' | 'ignore'> = {}, wantHeader: (name: string) => boolean = () => true,
): TemplateParser {
  const tokens = compileTemplate(template);
  const vars: string[] = [];
  const literals: Array<string | undefined> = [];
  let leading = '';
  let ambiguous = false;
  {
    let k = 0;
    if (tokens[0]?.literal !== undefined) {
      leading = tokens[0].literal;
      k = 1;
    }
    for (; k < tokens.length; k++) {
      const t = tokens[k];
      if (t.variable === undefined) continue;
      vars.push(t.variable);
      const next = tokens[k + 1];
      literals.push(next?.literal);
      if (next && next.variable !== undefined) ambiguous = true;
    }
  }
  const idx = (...names: string[]) => {
    for (const n of names) {
      const i = vars.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const iRequest = idx('request');
  const iMethod = idx('request_method');
  const iRequestUri = idx('request_uri');
  const iUri = idx('uri', 'document_uri');
  const iArgs = idx('args', 'query_string');
  const iHost = idx('host');
  const iHttpHost = idx('http_host');
  const iServerName = idx('server_name');
  const iPort = idx('server_port');
  const iScheme = idx('scheme');
  const iHttps = idx('https');
  const iTimeLocal = idx('time_local');
  const iTimeIso = idx('time_iso8601');
  const iMsec = idx('msec');
  const iStatus = idx('status');
  const iRemote = idx('remote_addr');
  const iUpstream = idx('upstream_addr');
  const iProxyHost = idx('proxy_host');
  const headerIdx: Array<[number, string]> = [];
  vars.forEach((v, i) => {
    if (v.startsWith('http_') && v !== 'http_host') {
      const name = v.slice(5).replace(/_/g, '-').toLowerCase();
      if (wantHeader(name)) headerIdx.push([i, name]);
    }
  });
  const extraIdx = Object.entries(extra).map(([name, role]) => [vars.indexOf(name), role] as const).filter(([i]) => i >= 0);
  const timeLocal = cachedTime(parseClfTime);
  const timeIso = cachedTime(parseIsoTime);
  const unescape = escape === 'json' ? unescapeJsonValue : escape === 'default' ? unescapeNginx : (v: string) => v;
  /** Where each variable's value starts and ends in the current line (values are cut only when used). */
  const starts = new Int32Array(vars.length);
  const ends = new Int32Array(vars.length);
  let current = '';
  /** The current line has a backslash: values may be escaped. */
  let escapes = false;
  const n = vars.length;
  const hasRequest = iRequest >= 0 || iRequestUri >= 0 || iUri >= 0;

  const parse = (line: string): ParseResult => {
    if (ambiguous) return 'the log_format has two variables with nothing between them: their values cannot be told apart';
    if (!hasRequest) return 'the log_format records no request ($request, $request_uri or $uri)';
    let pos = 0;
    if (leading) {
      if (!line.startsWith(leading)) return `does not start with "${leading}"`;
      pos = leading.length;
    }
    for (let k = 0; k < n; k++) {
      const lit = literals[k];
      starts[k] = pos;
      if (lit === undefined) {
        let end = line.length;
        while (end > pos && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 32)) end--;
        ends[k] = end;
        pos = line.length;
      } else {
        const at = line.indexOf(lit, pos);
        if (at < 0) return k === 0 ? 'does not match the log format' : `ends in $${vars[k]}, before the \`${lit}\` that follows it (a truncated line?)`;
        ends[k] = at;
        pos = at + lit.length;
      }
    }
    current = line;
    escapes = line.indexOf('\\') >= 0;
    // Text after the template's last literal: the line is another format (or has fields the template lacks).
    if (pos < line.length && line.slice(pos).trim() !== '') return 'has more fields than the log format';
    return build();
  };

  const raw = (i: number) => current.slice(starts[i], ends[i]);
  /** A variable's value, unescaped; undefined when the template lacks it or the line has `-` or nothing. */
  const clean = (i: number) => {
    if (i < 0) return undefined;
    const len = ends[i] - starts[i];
    if (len === 0 || (len === 1 && current.charCodeAt(starts[i]) === 45)) return undefined;
    const x = current.slice(starts[i], ends[i]);
    return escapes ? unescape(x) : x;
  };
  const isAbsent = (i: number) => {
    const len = ends[i] - starts[i];
    return len === 0 || (len === 1 && current.charCodeAt(starts[i]) === 45);
  };

  function build(): ParseResult {
    const rec = newRecord();
    if (iRequestUri >= 0 && !isAbsent(iRequestUri)) {
      const uri = clean(iRequestUri)!;
      if (!applyTarget(rec, uri)) return `request URI "${uri.slice(0, 60)}" is not a path`;
      const m = clean(iMethod);
      if (m !== undefined) rec.method = m.toUpperCase();
      else if (iRequest >= 0) {
        const tmp = newRecord();
        if (applyRequestLine(tmp, clean(iRequest) ?? '-') === undefined) rec.method = tmp.method;
      }
    } else if (iRequest >= 0) {
      const err = applyRequestLine(rec, clean(iRequest) ?? '-');
      if (err) return err;
      const m = clean(iMethod);
      if (m !== undefined) rec.method = m.toUpperCase();
    } else {
      const u = clean(iUri);
      if (u === undefined) return NO_REQUEST;
      rec.path = u;
      rec.query = clean(iArgs) ?? '';
      const m = clean(iMethod);
      if (m !== undefined) rec.method = m.toUpperCase();
    }
    const host = clean(iHost) ?? clean(iHttpHost);
    if (host !== undefined) applyAuthority(rec, host, false);
    else if (rec.host === undefined) {
      const sn = clean(iServerName);
      if (sn !== undefined && sn !== '_') rec.host = splitHost(sn).host;
    }
    if (iHttpHost >= 0) {
      const hh = clean(iHttpHost);
      if (hh !== undefined) {
        const p = splitHost(hh).port;
        if (p !== undefined && rec.port === undefined) rec.port = p;
        addHeader(rec, 'host', hh);
      }
    }
    const port = parsePort(clean(iPort));
    if (port !== undefined) rec.port = port;
    const scheme = clean(iScheme);
    if (scheme === 'https' || scheme === 'http') rec.scheme = scheme;
    else if (iHttps >= 0) rec.scheme = clean(iHttps) === 'on' ? 'https' : 'http';
    const tl = clean(iTimeLocal);
    if (tl !== undefined) rec.time = timeLocal(tl);
    if (rec.time === undefined) {
      const ti = clean(iTimeIso);
      if (ti !== undefined) rec.time = timeIso(ti);
    }
    if (rec.time === undefined) {
      const ms = clean(iMsec);
      if (ms !== undefined) rec.time = parseEpoch(ms);
    }
    const st = clean(iStatus);
    if (st !== undefined) {
      const s = Number(st);
      if (Number.isInteger(s)) rec.status = s;
    }
    const src = clean(iRemote);
    if (src !== undefined) rec.src = src;
    for (const [i, name] of headerIdx) {
      const hv = clean(i);
      if (hv !== undefined) addHeader(rec, name, hv);
    }
    const up = clean(iUpstream);
    const proxyHost = clean(iProxyHost);
    if (up !== undefined || proxyHost !== undefined) {
      rec.upstream = {};
      if (up !== undefined) {
        const first = up.split(/\s*[,:]\s+|\s+:\s*/)[0].trim();
        // "If a server cannot be selected, the variable keeps the name of the server group."
        if (first && /[:/]|^\[/.test(first) && !/^[A-Za-z][\w.-]*$/.test(first)) rec.upstream.address = first;
        else if (first) rec.upstream.pool = first;
      }
      if (proxyHost !== undefined && rec.upstream.pool === undefined) {
        const h = splitHost(proxyHost).host;
        // `$proxy_host` is the upstream's name, or the address of a direct `proxy_pass http://10.0.0.1:8080`.
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(h) && !h.includes(':')) rec.upstream.pool = proxyHost;
      }
    }
    for (const [i, role] of extraIdx) {
      const x = clean(i);
      if (x === undefined) continue;
      if (role === 'upstream-url') {
        const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(x);
        if (m) (rec.upstream ??= {}).address = m[1];
      } else if (role === 'pool') (rec.upstream ??= {}).pool = x;
    }
    return rec;
  }

  return {
    parse,
    variables: vars,
    provides: {
      host: iHost >= 0 || iHttpHost >= 0 || iServerName >= 0,
      port: iPort >= 0,
      time: iTimeLocal >= 0 || iTimeIso >= 0 || iMsec >= 0,
      upstream: iUpstream >= 0 || iProxyHost >= 0 || extraIdx.some(([, r]) => r !== 'ignore'),
    },
  };
}

export type { LogRecord };
