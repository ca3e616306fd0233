/**
 * Places that name a backend other than `use_backend` / `default_backend`: sample fetches and converters
 * taking a backend or table argument (`nbsrv(be)`, `be_conn(be)`, `srv_is_up(be/srv)`, `table_cnt(be)`,
 * `sc_http_req_rate(0,be)`, `src_conn_rate(be)`, …) and the `table <name>` argument of `track-sc*` and
 * `stick` rules. A stick table lives in a proxy of the same name (manual 7.3.2 "<table>" arguments), so
 * each of these keeps its backend in use.
 */
import type { Range } from '../../model/types';
import { valueRange, type Line } from './parser';

export interface NameMention {
  name: string;
  range: Range;
}

/** `name(args)`: a fetch or converter call; the argument list stops at the first `)`. */
const CALL = /(?<![A-Za-z0-9_.])([a-z][a-z0-9_]*)\(([^()]*)\)/g;

/** Which argument (0-based) of a call names a backend or table, if any. */
function backendArgument(fn: string): { index: number; server?: boolean } | undefined {
  if (/^(nbsrv|be_[a-z_]+|queue|avg_queue|connslots)$/.test(fn)) return { index: 0 };
  if (/^srv_[a-z_]+$/.test(fn)) return { index: 0, server: true }; // [<backend>/]<server>
  if (/^(table_[a-z0-9_]+|in_table)$/.test(fn)) return { index: 0 };
  // The indexed general purpose counter/tag variants take the array index first (`sc_inc_gpc(<idx>,<ctr>,<table>)`).
  const indexed = /_(gpc|gpt)(_rate)?$/.test(fn) ? 1 : 0;
  if (/^sc_[a-z0-9_]+$/.test(fn)) return { index: 1 + indexed };
  if (/^(sc[0-9]|src)_[a-z0-9_]+$/.test(fn)) return { index: indexed };
  return undefined;
}

/** Rule keywords whose `table <name>` argument designates a stick table. */
const TABLE_RULES = new Set(['stick', 'http-request', 'http-response', 'http-after-response', 'tcp-request', 'tcp-response']);

const NONE: readonly NameMention[] = Object.freeze([]);

/** Backend names mentioned by one line, with the range of each name. */
export function findBackendMentions(line: Line): readonly NameMention[] {
  const words = line.words;
  const tableRule = TABLE_RULES.has(words[0].value);
  // Most lines mention nothing: answer them without allocating (this runs on every line of every proxy).
  if (!tableRule && !words.some((w) => w.value.includes('('))) return NONE;
  const out: NameMention[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (tableRule && word.value === 'table' && words[i + 1]) {
      const table = words[i + 1];
      // `peers/table` names a table of a peers section, not a proxy.
      if (table.value && !table.value.includes('/')) out.push({ name: table.value, range: table.range });
      i++;
      continue;
    }
    if (!word.value.includes('(')) continue;
    CALL.lastIndex = 0;
    for (let m = CALL.exec(word.value); m; m = CALL.exec(word.value)) {
      const which = backendArgument(m[1]);
      if (!which) continue;
      const args = m[2].split(',');
      let arg = args[which.index];
      if (arg === undefined) continue;
      let argStart = m.index + m[1].length + 1 + args.slice(0, which.index).reduce((n, a) => n + a.length + 1, 0);
      const trimmed = arg.trimStart();
      argStart += arg.length - trimmed.length;
      arg = trimmed.trimEnd();
      if (which.server) {
        const slash = arg.indexOf('/');
        if (slash < 0) continue; // a server of the current backend
        arg = arg.slice(0, slash);
      }
      if (!/^[A-Za-z0-9_.:-]+$/.test(arg) || /^\d+$/.test(arg)) continue;
      out.push({ name: arg, range: valueRange(word, argStart, argStart + arg.length) });
    }
  }
  return out;
}
