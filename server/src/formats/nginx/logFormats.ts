import { parseNginx, type Directive } from './parser';

/**
 * The access-log formats an nginx configuration declares (ngx_http_log_module):
 *
 *   log_format name [escape=default|json|none] string ...;   (http context; the strings are concatenated)
 *   access_log path [format [buffer=size] [gzip[=level]] [flush=time] [if=condition]]; | access_log off;
 *
 * `combined` is predefined and cannot be redefined; an `access_log` without a format name uses it. Replaying a log
 * needs the format its lines were written with: `lb-lens replay` compiles these templates into line parsers.
 */

export interface NginxLogFormat {
  name: string;
  escape: 'default' | 'json' | 'none';
  /** The format string as nginx sees it (the arguments concatenated, quotes removed). */
  template: string;
  /** 0-based line of the directive. */
  line: number;
}

export interface NginxAccessLog {
  /** The path as written (`/var/log/nginx/api.log`, `syslog:server=…`). */
  path: string;
  /** The format name (`combined` when none is given). */
  format: string;
  line: number;
}

/** The predefined format (ngx_http_log_module: "The configuration always includes the predefined “combined” format"). */
export const NGINX_COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** `log_format` and `access_log` directives of one nginx file, in order, at any depth (includes are not followed). */
export function nginxLogFormats(text: string): { formats: NginxLogFormat[]; accessLogs: NginxAccessLog[] } {
  const formats: NginxLogFormat[] = [];
  const accessLogs: NginxAccessLog[] = [];
  const visit = (list: readonly Directive[]) => {
    for (const d of list) {
      if (d.name === 'log_format' && !d.block && d.args.length >= 2) {
        let rest = d.args.slice(1);
        let escape: NginxLogFormat['escape'] = 'default';
        const e = /^escape=(default|json|none)$/.exec(rest[0].value);
        if (e) {
          escape = e[1] as NginxLogFormat['escape'];
          rest = rest.slice(1);
        }
        if (rest.length > 0) formats.push({ name: d.args[0].value, escape, template: rest.map((a) => a.value).join(''), line: d.range.start.line });
      } else if (d.name === 'access_log' && !d.block && d.args.length >= 1 && d.args[0].value !== 'off') {
        const fmt = d.args[1] && !d.args[1].value.includes('=') ? d.args[1].value : 'combined';
        accessLogs.push({ path: d.args[0].value, format: fmt, line: d.range.start.line });
      }
      if (d.block) visit(d.block);
    }
  };
  visit(parseNginx(text).directives);
  return { formats, accessLogs };
}
