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
