import { haproxyFixes } from './fixes';
/** The HAProxy format: `haproxy.cfg` and friends. */
import { documentStates } from '../documentState';
import type { FormatParser } from '../types';
import { HaproxyLowerCache, lowerHaproxy } from './lower';
import { HaproxyParseCache, parseHaproxy } from './parser';
import { detectionSample } from '../detectSample';

export { parseHaproxy, valueRange, SECTION_KEYWORDS } from './parser';
export type { HaproxyCst, Line, LineComment, ParseOptions, ParseProblem, Section, Word } from './parser';
export { HaproxyLowerCache, lowerHaproxy } from './lower';
export { HaproxyParseCache } from './parser';
export { haproxyLogCaptures } from './logCaptures';

/**
 * Section headers. HAProxy skips the blanks that start a line (cfgparse: "skip leading spaces"), so a header may
 * be indented — configurations embedded in test scripts and documentation often are.
 */
const HEADER = /^[ \t]*(?:(?:global|defaults)\b|(?:frontend|backend|listen|resolvers|peers|userlist)[ \t]+\S)/gm;
const KEYWORD = /^[ \t]+(?:bind[ \t]+\S|use_backend[ \t]|default_backend[ \t]|balance[ \t]|mode[ \t]+(?:http|tcp)\b|server[ \t]+\S+[ \t]+\S|option[ \t]+\S|timeout[ \t]+(?:client|server|connect)\b)/gm;
/** nginx-style blocks and statements, YAML documents, JSON. */
const FOREIGN = /^[ \t]*[{[]|^[ \t]*[\w-][^\n#]*[;{][ \t]*$|^[ \t]*[\w-]+:[ \t]|^---[ \t]*$/gm;

function count(re: RegExp, text: string): number {
  re.lastIndex = 0;
  return text.match(re)?.length ?? 0;
}

/**
 * 1 for `haproxy.cfg` / `*.haproxy` and for a `*.cfg` with HAProxy section headers; otherwise a score from
 * section headers at line start and typical keywords, 0 for text that looks like nginx, YAML or JSON.
 */
export function detectHaproxy(uri: string, text: string): number {
  const file = uri.slice(uri.lastIndexOf('/') + 1).toLowerCase();
  if (file === 'haproxy.cfg' || file.endsWith('.haproxy')) return 1;
  const sample = detectionSample(text);
  const headers = count(HEADER, sample);
  const keywords = count(KEYWORD, sample);
  const foreign = count(FOREIGN, sample);
  if (foreign > headers + keywords) return 0;
  if (headers > 0 && (file.endsWith('.cfg') || /haproxy/.test(file))) return 1;
  if (headers > 0 && keywords > 0) return 0.9;
  if (headers > 0) return 0.6;
  return keywords >= 2 ? 0.3 : 0;
}

/**
 * Incremental state of the documents parsed most recently, by URI: after an edit, only the sections whose text
 * or first line changed are parsed and read again (see `parseHaproxy` and `HaproxyLowerCache`). Bounded: a
 * language server edits a few documents at a time; the CLI parses each file once.
 */
const stateOf = documentStates(() => ({ parse: new HaproxyParseCache(), lower: new HaproxyLowerCache() }));

export const haproxyFormat: FormatParser = {
  fixes: haproxyFixes,
  id: 'haproxy',
  title: 'HAProxy',
  detect: detectHaproxy,
  parse(uri, text) {
    const state = stateOf(uri);
    return lowerHaproxy(uri, parseHaproxy(text, {}, state.parse), state.lower);
  },
};
