import { haproxyLogCaptures } from '../../formats/haproxy/logCaptures';
import { nginxLogFormats, type NginxAccessLog, type NginxLogFormat } from '../../formats/nginx/logFormats';
import type { DocumentAnalysis } from '../languageService';
import { nginxTemplateFormat, type FormatContext, type LogParser } from './formats';

/**
 * What the configuration says about its own access logs: nginx `log_format`s (so lines written with a custom
 * format can be read) and the `access_log` lines naming them, HAProxy's captured request headers per frontend.
 * Read through the format's own helpers from the files of the analysed configuration (includes too).
 */
export interface ConfigLogInfo {
  formats: NginxLogFormat[];
  accessLogs: NginxAccessLog[];
  haproxyCaptures?: Map<string, Array<string | undefined>>;
}

export function configLogInfo(a: DocumentAnalysis, readText: (uri: string) => string | undefined): ConfigLogInfo {
  const info: ConfigLogInfo = { formats: [], accessLogs: [] };
  const files = a.model.files.length ? a.model.files : [a.uri];
  if (a.format.id === 'nginx') {
    for (const uri of files) {
      const text = uri === a.uri ? a.text : readText(uri);
      if (text === undefined) continue;
      const r = nginxLogFormats(text);
      info.formats.push(...r.formats);
      info.accessLogs.push(...r.accessLogs);
    }
  } else if (a.format.id === 'haproxy') {
    info.haproxyCaptures = new Map();
    for (const uri of files) {
      const text = uri === a.uri ? a.text : readText(uri);
      if (text === undefined) continue;
      for (const [k, v] of haproxyLogCaptures(text)) info.haproxyCaptures.set(k, v);
    }
  }
  return info;
}

/** `access.log.2.gz` → `access.log`: the name nginx wrote before rotation. */
function baseLogName(path: string): string {
  let name = path.split(/[\\/]/).pop() ?? path;
  name = name.replace(/\.(gz|z)$/i, '').replace(/[.-]\d+$/, '').replace(/[.-]\d{8}$/, '');
  return name;
}

/**
 * The formats to try for one log file: a `log_format` named by an `access_log` writing a file of that name
 * first, then the other declared formats (`combined` is built in and tried by detection anyway).
 */
export function formatContextFor(info: ConfigLogInfo, logPath: string, wantHeader?: (name: string) => boolean): FormatContext {
  const name = baseLogName(logPath);
  const named = new Set(info.accessLogs.filter((l) => baseLogName(l.path) === name).map((l) => l.format));
  const declared: LogParser[] = [];
  const ordered = [...info.formats.filter((f) => named.has(f.name)), ...info.formats.filter((f) => !named.has(f.name))];
  const seen = new Set<string>();
  for (const f of ordered) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    declared.push(nginxTemplateFormat(f.name, f.template, f.escape, wantHeader));
  }
  return { declared, haproxyCaptures: info.haproxyCaptures, wantHeader };
}
