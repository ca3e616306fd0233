import { nginxFixes } from './fixes';
import { documentStates } from '../documentState';
import type { FormatParser } from '../types';
import { lowerNginx, NginxLowerCache } from './lower';
import { parseNginx } from './parser';
import { detectionSample } from '../detectSample';

export { parseNginx } from './parser';
export type { Arg, CstComment, Directive, NginxCst, SyntaxError } from './parser';
export { lowerNginx, NginxLowerCache } from './lower';
export { nginxLogFormats, NGINX_COMBINED, type NginxLogFormat, type NginxAccessLog } from './logFormats';

/**
 * Block openers only nginx writes (`server {`, `location /x {`, `upstream name {`, …). Every pattern here runs in
 * time linear in the sample: no two adjacent repetitions can match the same characters.
 */
const BLOCKS = [
  /^[ \t]*(?:http|events|stream)\s*\{/m,
  /^[ \t]*server\s*\{/m,
  /^[ \t]*location[ \t][^;{}\n]*\{/m,
  /^[ \t]*upstream\s+[\w.-]+\s*\{/m,
  /^[ \t]*(?:map|geo)\s+\$[^;{}\n]*\{/m,
  /^[ \t]*(?:types|charset_map\s+[\w-]+\s+[\w-]+)\s*\{/m,
];
/** Common nginx directive names: a line `name args…;` with one of them is a strong hint. */
const KNOWN_DIRECTIVES = new Set(
  ('proxy_pass fastcgi_pass grpc_pass uwsgi_pass scgi_pass listen server_name root alias index try_files return rewrite ' +
    'worker_processes worker_connections error_log access_log include add_header proxy_set_header proxy_http_version ' +
    'proxy_redirect proxy_buffering proxy_read_timeout proxy_connect_timeout fastcgi_param uwsgi_param scgi_param ' +
    'charset charset_types default_type expires gzip gzip_types gzip_vary gzip_comp_level brotli sendfile tcp_nopush ' +
    'keepalive_timeout keepalive client_max_body_size ssl_certificate ssl_certificate_key ssl_protocols ssl_ciphers ' +
    'ssl_session_cache ssl_session_timeout ssl_stapling ssl_prefer_server_ciphers resolver least_conn ip_hash hash ' +
    'server_tokens more_set_headers log_format allow deny limit_req limit_req_zone limit_conn_zone open_file_cache ' +
    'error_page internal autoindex pid user set map_hash_bucket_size types_hash_max_size etag')
    .split(' '),
);
const DIRECTIVE_LINE = /^[ \t]*([a-z_][a-z0-9_]*)[ \t][^;\n{}]*;/gm;

/** Text that is some other format. */
const NOT_NGINX = [
  /^\s*[{[]/, // JSON (nginx text never starts with a brace)
  /^[ \t]*(?:apiVersion|kind|static_resources|entryPoints|http|tcp):\s/m, // YAML / Kubernetes / Envoy / Traefik
  /^---[ \t]*$/m,
  /^(?:global|defaults|frontend|backend|listen)\b(?:[ \t][^;\n]*)?$/m, // HAProxy section headers (no `;`)
];

/** How much the text looks like nginx, from its content alone (0…0.95). */
export function nginxContentScore(text: string): number {
  const sample = detectionSample(text);
  if (NOT_NGINX.some((re) => re.test(sample))) return 0;
  const blocks = BLOCKS.filter((re) => re.test(sample)).length;
  const known = new Set<string>();
  for (const m of sample.matchAll(DIRECTIVE_LINE)) if (KNOWN_DIRECTIVES.has(m[1])) known.add(m[1]);
  // A block or known directive in text that parses as nginx without a single error: a snippet (fastcgi_params, h5bp/…).
  const hints = blocks + known.size;
  const wellFormed = hints > 0 && hints < 3 && parseNginx(sample).errors.length === 0 ? 0.25 : 0;
  return Math.min(0.95, 0.35 * blocks + 0.25 * Math.min(known.size, 3) + wellFormed);
}

/** Paths nginx configurations are usually kept at. */
function isNginxPath(uri: string): 'certain' | 'likely' | undefined {
  const path = uri.replace(/\\/g, '/').toLowerCase();
  if (/(?:^|\/)nginx\.conf$/.test(path) || path.endsWith('.nginx') || path.endsWith('.nginxconf')) return 'certain';
  if (/\/(?:sites-available|sites-enabled|conf\.d|nginx)\/[^/]+$/.test(path)) return 'likely';
  return undefined;
}

/**
 * Lowering state of the documents analysed most recently, by URI: after an edit, unchanged `upstream` blocks keep
 * their pools (see `NginxLowerCache`). Bounded: a language server edits a few documents at a time.
 */
const cacheOf = documentStates(() => new NginxLowerCache());

export const nginxFormat: FormatParser = {
  fixes: nginxFixes,
  id: 'nginx',
  title: 'nginx',
  rootFileNames: ['nginx.conf'],
  filesAreIncludes: true,
  detect(uri, text) {
    const where = isNginxPath(uri);
    if (where === 'certain') return 1;
    const score = nginxContentScore(text);
    if (where === 'likely' && score > 0) return 1;
    return score;
  },
  parse(uri, text, host) {
    return lowerNginx(uri, text, host, cacheOf(uri));
  },
};
