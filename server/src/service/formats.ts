import type { FormatParser } from '../formats/types';
import { nginxFormat } from '../formats/nginx';
import { haproxyFormat } from '../formats/haproxy';
import { envoyFormat } from '../formats/envoy';
import { istioFormat } from '../formats/istio';
import { traefikFormat } from '../formats/traefik';
import { kubernetesFormat } from '../formats/kubernetes';
import { albFormat } from '../formats/cloudformation';
import { isRouteTestFile } from './routeTests';

/** Every format lb-lens understands. Adding a format means adding it here; no rule changes. */
export const FORMATS: readonly FormatParser[] = [nginxFormat, haproxyFormat, envoyFormat, istioFormat, traefikFormat, kubernetesFormat, albFormat];

const BY_ID = new Map(FORMATS.map((f) => [f.id, f]));

export function formatById(id: string | undefined): FormatParser | undefined {
  return id ? BY_ID.get(id) : undefined;
}

/** Format ids with their CLI names (`--lang`). */
export const FORMAT_IDS: readonly string[] = FORMATS.map((f) => f.id);

/**
 * The format a file's path says it is, whatever its content: nginx for `nginx.conf`, `*.nginx`, `conf.d/*.conf`,
 * `sites-enabled/*`, `sites-available/*`, `nginx/*.conf`; HAProxy for `haproxy*.cfg`, `*.haproxy`, and a `*.cfg`
 * in a folder that holds a `haproxy.cfg` (`hasSibling` tells). Detection by content comes first; this is what
 * a file that no longer looks like its format (a syntax error early on) is still checked as — and gets LB001
 * instead of silence.
 */
export function formatByPath(uri: string, hasSibling?: (name: string) => boolean): FormatParser | undefined {
  const path = uri.replace(/\\/g, '/').toLowerCase();
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const folder = path.slice(path.lastIndexOf('/', slash - 1) + 1, slash);
  if (name === 'nginx.conf' || name.endsWith('.nginx') || name.endsWith('.nginxconf')) return formatById('nginx');
  if ((folder === 'sites-enabled' || folder === 'sites-available') && name) return formatById('nginx');
  if ((folder === 'conf.d' || folder === 'nginx') && name.endsWith('.conf')) return formatById('nginx');
  if (name.endsWith('.haproxy') || (name.startsWith('haproxy') && name.endsWith('.cfg'))) return formatById('haproxy');
  if (name.endsWith('.cfg') && hasSibling?.('haproxy.cfg')) return formatById('haproxy');
  return undefined;
}

/**
 * The format of a text: the editor's language id when it is one of ours, else the best content score ≥ 0.5.
 * Route test files (`*.lbtest.yaml`) are never a config, whatever they contain (see service/routeTests.ts).
 */
export function detectFormat(uri: string, text: string, languageId?: string): FormatParser | undefined {
  if (isRouteTestFile(uri)) return undefined;
  const byLanguage = formatById(languageId);
  if (byLanguage) return byLanguage;
  let best: FormatParser | undefined;
  let bestScore = 0.5;
  for (const f of FORMATS) {
    const score = f.detect(uri, text);
    if (score >= bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}
