import type { Bind, Condition, HostPattern, RequestField, StringMatch } from '../../model/types';
import { entries, get, isMap, isScalar, items, num, str, type Node } from '../yaml/yamlFile';

/*
 * Istio's request matching in the routing engine's language, following istio.io/latest/docs/reference/config/
 * networking/virtual-service (HTTPMatchRequest, StringMatch, L4MatchAttributes, TLSMatchAttributes) and …/gateway
 * (Server, Port, ServerTLSSettings).
 */

const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
const opaque = (text: string, why: string): Condition => ({ kind: 'opaque', text, why });

/** A map or list written back as compact text (for opaque conditions). */
function text(node: Node | undefined): string {
  if (node === undefined || node === null) return '';
  if (isScalar(node)) return str(node) ?? '';
  if (isMap(node)) return entries(node).map((e) => `${e.key}=${text(e.value)}`).join(',');
  return items(node).map(text).join(',');
}

/**
 * StringMatch: `exact`, `prefix`, `regex` ("RE2 style regex-based match"; like Envoy's safe_regex it must match the
 * whole value). An empty StringMatch (`{}`) — or none — is a presence test for headers ("If the value is empty and
 * only the name of header is specified, presence of the header is checked"); Istio also reads `regex: "*"` as
 * presence (istio/istio#20629), an `exact: ""` as presence too.
 */
export function stringMatch(sm: Node | undefined, ignoreCase?: boolean): StringMatch | 'present' | undefined {
  const exact = str(get(sm, 'exact'));
  const prefix = str(get(sm, 'prefix'));
  const regex = str(get(sm, 'regex'));
  const ci = ignoreCase ? { ignoreCase: true } : {};
  if (exact !== undefined) return exact === '' ? 'present' : { op: 'exact', value: exact, ...ci };
  if (prefix !== undefined) return prefix === '' ? 'present' : { op: 'prefix', value: prefix, ...ci };
  if (regex !== undefined) return regex === '*' ? 'present' : { op: 'regex', value: regex, dialect: 're2', anchored: true };
  if (sm === undefined || sm === null || (isMap(sm) && entries(sm).length === 0)) return 'present';
  return undefined;
}

/**
 * HTTPMatchRequest → the condition of one match block ("All conditions inside a single match block have AND
 * semantics"; the blocks of a route are OR — each block is a route of its own, in order):
 * - `uri` (case-sensitive; `ignoreUriCase` makes `exact` and `prefix` case-insensitive, not `regex`), `scheme`,
 *   `method`, `authority` (the Host as sent), `headers` (lower-case names), `queryParams` (exact or regex; "prefix
 *   matching is currently not supported"), `port`;
 * - `withoutHeaders`: "If a header is matched with a matching rule among withoutHeader, the traffic becomes not
 *   matched one"; for a header that is absent Istio's documentation and behaviour disagree (istio/istio#49537: the
 *   request is not matched) — undecidable then;
 * - `sourceLabels`, `sourceNamespace`, `gateways` (where the request entered), `statPrefix`… — opaque.
 */
export function httpMatchCondition(m: Node | undefined): Condition {
  const parts: Condition[] = [];
  if (!m) return { kind: 'all', of: parts };
  const ignoreUriCase = str(get(m, 'ignoreUriCase')) === 'true';
  const field = (f: RequestField, sm: Node | undefined, what: string, ci = false) => {
    const s = stringMatch(sm, ci);
    if (s === 'present') parts.push(test(f, { op: 'present' }));
    else if (s) parts.push(test(f, s));
    else parts.push(opaque(`${what} ${text(sm)}`, 'a string match lb-lens does not read'));
  };
  const uri = get(m, 'uri');
  if (uri !== undefined) {
    const s = stringMatch(uri, ignoreUriCase);
    // A prefix "/" (or an empty uri match) holds for every path.
    if (!(s === 'present' || (s && s.op === 'prefix' && s.value === '/'))) field('path', uri, 'uri', ignoreUriCase);
  }
  const scheme = get(m, 'scheme');
  if (scheme !== undefined) field('scheme', scheme, 'scheme');
  const method = get(m, 'method');
  if (method !== undefined) field('method', method, 'method');
  const authority = get(m, 'authority');
  if (authority !== undefined) field('header:host', authority, 'authority');
  for (const { key, value } of entries(get(m, 'headers'))) {
    const k = key.toLowerCase();
    // "The keys uri, scheme, method, and authority will be ignored."
    if (k === 'uri' || k === 'scheme' || k === 'method' || k === 'authority') continue;
    field(`header:${k}`, value, `header ${key}`);
  }
  for (const { key, value } of entries(get(m, 'withoutHeaders'))) {
    const h: RequestField = `header:${key.toLowerCase()}`;
    const s = stringMatch(value);
    const present = test(h, { op: 'present' });
    if (s === 'present') parts.push({ kind: 'not', of: present });
    else if (!s) parts.push(opaque(`withoutHeaders ${key} ${text(value)}`, 'a string match lb-lens does not read'));
    else {
      parts.push({
        kind: 'any',
        of: [
          { kind: 'all', of: [present, { kind: 'not', of: test(h, s) }] },
          { kind: 'all', of: [{ kind: 'not', of: present }, opaque(`withoutHeaders ${key} (header absent)`, 'the documentation says an absent header matches; Istio does not match it (istio/istio#49537)')] },
        ],
      });
    }
  }
  for (const { key, value } of entries(get(m, 'queryParams'))) {
    const f: RequestField = `arg:${key}`;
    const exact = str(get(value, 'exact'));
    const regex = str(get(value, 'regex'));
    // "?key" is matched by exact: "" (the parameter without a value).
    if (exact !== undefined) parts.push(test(f, { op: 'exact', value: exact }));
    else if (regex !== undefined) parts.push(test(f, { op: 'regex', value: regex, dialect: 're2', anchored: true }));
    else parts.push(opaque(`queryParams ${key} ${text(value)}`, 'Istio documents only exact and regex for query parameters'));
  }
  const port = num(get(m, 'port'));
  if (port !== undefined) parts.push(test('port', { op: 'exact', value: String(port) }));
  for (const key of ['sourceLabels', 'sourceNamespace', 'gateways', 'statPrefix']) {
    const v = get(m, key);
    if (v === undefined || key === 'statPrefix') continue;
    parts.push(opaque(`${key} ${text(v)}`, key === 'gateways' ? 'the gateway the request entered through is not part of the request' : 'the client workload is not part of the request'));
  }
  return { kind: 'all', of: parts };
}

/**
 * L4MatchAttributes / TLSMatchAttributes → a condition: `port`, TLS `sniHosts` (exact names and `*.` wildcards),
 * `destinationSubnets`, `sourceLabels`, `sourceNamespace`, `gateways` (opaque but the port).
 */
export function l4MatchCondition(m: Node | undefined, proto: 'tcp' | 'tls'): Condition {
  const parts: Condition[] = [];
  if (!m) return { kind: 'all', of: parts };
  if (proto === 'tls') {
    const sni = items(get(m, 'sniHosts')).map(str).filter((s): s is string => !!s);
    if (sni.length) {
      parts.push({
        kind: 'any',
        of: sni.map((h) => (h === '*' ? test('sni', { op: 'present' }) : h.startsWith('*.') ? test('sni', { op: 'suffix', value: h.slice(1).toLowerCase() }) : test('sni', { op: 'exact', value: h.toLowerCase() }))),
      });
    }
  }
  const port = num(get(m, 'port'));
  if (port !== undefined) parts.push(test('port', { op: 'exact', value: String(port) }));
  for (const key of ['destinationSubnets', 'sourceSubnet', 'sourceLabels', 'sourceNamespace', 'gateways']) {
    const v = get(m, key);
    if (v === undefined) continue;
    parts.push(opaque(`${key} ${text(v)}`, key === 'destinationSubnets' ? 'the destination address is not part of the request' : key === 'gateways' ? 'the gateway the request entered through is not part of the request' : 'the client workload is not part of the request'));
  }
  return { kind: 'all', of: parts };
}

// ---- hosts ---------------------------------------------------------------------------------------------------

/** A host of a VirtualService or of a Gateway server (`namespace/` prefix removed) as a pattern. */
export function hostPattern(host: string): HostPattern {
  const h = host.trim().toLowerCase();
  if (h === '*') return { kind: 'any', value: '', text: host };
  if (h.startsWith('*')) return { kind: 'suffix', value: h.slice(1), text: host };
  return { kind: 'exact', value: h, text: host };
}

/**
 * The names a VirtualService host answers to: short names are "interpreted based on the namespace of the rule"
 * (`reviews` → `reviews.<ns>.svc.cluster.local`); the sidecars also route the short forms a client may send.
 */
export function vsHostPatterns(host: string, ns: string): HostPattern[] {
  const h = host.trim().toLowerCase();
  if (!h) return [];
  if (h.includes('*') || h.includes(':')) return [hostPattern(host)];
  const names = [h];
  if (!h.includes('.')) names.push(`${h}.${ns}`, `${h}.${ns}.svc`, `${h}.${ns}.svc.cluster.local`);
  else if (/^[^.]+\.[^.]+$/.test(h)) names.push(`${h}.svc`, `${h}.svc.cluster.local`);
  return names.map((n) => ({ kind: 'exact', value: n, text: host }));
}

/**
 * The more specific of a Gateway server host and a VirtualService host when one covers the other ("The match could
 * be an exact match or a suffix match with the server's hosts"): the name the gateway routes for both.
 */
export function narrower(server: string, vs: string): string | undefined {
  const a = server.toLowerCase();
  const b = vs.toLowerCase();
  if (a === b) return a;
  if (a === '*') return b;
  if (b === '*') return a;
  if (a.startsWith('*.') && b.endsWith(a.slice(1))) return b;
  if (b.startsWith('*.') && a.endsWith(b.slice(1))) return a;
  return undefined;
}

/**
 * A Gateway server's socket: Port.number; TLS for HTTPS and TLS servers; `tcp` for TCP, TLS, MONGO…; and which
 * VirtualService route list it serves: `http` for HTTP/HTTPS/HTTP2/GRPC, `tls` (SNI routes) for TLS passthrough,
 * `tcp` otherwise ("HTTP routes will be applied to … gateway ports with protocol HTTP/HTTP2/GRPC/TLS-terminated-HTTPS").
 */
export function gatewayServerBind(server: Node): { bind: Bind; routes: 'http' | 'tcp' | 'tls' } {
  const port = num(get(server, 'port', 'number'));
  const protocol = (str(get(server, 'port', 'protocol')) ?? '').toUpperCase();
  const mode = (str(get(server, 'tls', 'mode')) ?? 'SIMPLE').toUpperCase();
  const http = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-WEB'].includes(protocol);
  const tls = protocol === 'HTTPS' || protocol === 'TLS';
  const bind: Bind = { protocol: http ? 'http' : 'tcp', tls };
  if (port !== undefined && Number.isInteger(port)) bind.port = port;
  const routes = http ? 'http' : protocol === 'TLS' && (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') ? 'tls' : 'tcp';
  return { bind, routes };
}
