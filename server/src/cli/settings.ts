import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import type { ProjectConfig } from '../node/projectConfig';

/**
 * The analysis settings of a CLI run: the project's, with more time for LB106's proofs than the editor gives per
 * keystroke (a batch run proves everything it can; the editor catches up over keystrokes).
 */
export function cliSettings(config: ProjectConfig): AnalysisSettings {
  const settings = mergeSettings(config);
  const lb106 = settings.rules?.LB106;
  if (lb106 === undefined || typeof lb106 === 'string') {
    settings.rules = { ...settings.rules, LB106: { ...(typeof lb106 === 'string' ? { severity: lb106 } : {}), budgetMs: CLI_PROOF_BUDGET_MS } };
  } else if (lb106.budgetMs === undefined) settings.rules = { ...settings.rules, LB106: { ...lb106, budgetMs: CLI_PROOF_BUDGET_MS } };
  return settings;
}

const CLI_PROOF_BUDGET_MS = 20_000;
