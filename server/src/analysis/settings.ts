import type { Severity } from './rule';

/** A rule's setting: a severity, `off`, or an object with a severity and numeric options (LB102 `threshold`). */
export type RuleSetting = 'off' | Severity | ({ severity?: Severity | 'off' } & Record<string, unknown>);

/** The user's settings: VS Code `lbLens.rules` and `.lb-lens.json` `rules` have this shape. */
export interface AnalysisSettings {
  rules?: Record<string, RuleSetting>;
}

const SEVERITIES = new Set(['error', 'warning', 'info', 'hint', 'off']);

/** Reads one rule's effective severity (undefined = keep the default) and options from loosely typed settings. */
export function ruleSetting(
  settings: AnalysisSettings | undefined,
  ruleId: string,
): { severity?: Severity | 'off'; options: Record<string, number> } {
  const raw = settings?.rules?.[ruleId];
  const options: Record<string, number> = {};
  if (typeof raw === 'string') return { severity: SEVERITIES.has(raw) ? (raw as Severity | 'off') : undefined, options };
  if (!raw || typeof raw !== 'object') return { options };
  for (const [k, v] of Object.entries(raw)) if (k !== 'severity' && typeof v === 'number' && Number.isFinite(v)) options[k] = v;
  const sev = raw.severity;
  return { severity: typeof sev === 'string' && SEVERITIES.has(sev) ? sev : undefined, options };
}

/** Merges settings objects; later ones win per rule (`.lb-lens.json` first, editor settings over it). */
export function mergeSettings(...layers: Array<AnalysisSettings | undefined>): AnalysisSettings {
  const rules: Record<string, RuleSetting> = {};
  for (const layer of layers) {
    for (const [id, v] of Object.entries(layer?.rules ?? {})) {
      const prev = rules[id];
      rules[id] =
        typeof v === 'object' && v && typeof prev === 'object' && prev ? { ...prev, ...v } : v;
    }
  }
  return { rules };
}
