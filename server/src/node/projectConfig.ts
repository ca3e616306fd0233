import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AnalysisSettings } from '../analysis/settings';

export const CONFIG_FILE = '.lb-lens.json';

/** `.lb-lens.json`: the same `rules` shape as the VS Code setting `lbLens.rules`, plus `exclude` globs for the CLI. */
export interface ProjectConfig extends AnalysisSettings {
  exclude?: string[];
}

/** Reads a config file; throws with a clear message when it is not valid JSON or has the wrong shape. */
export function readProjectConfig(path: string): ProjectConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: expected a JSON object`);
  const cfg = parsed as Record<string, unknown>;
  if (cfg.rules !== undefined && (typeof cfg.rules !== 'object' || cfg.rules === null || Array.isArray(cfg.rules))) {
    throw new Error(`${path}: "rules" must be an object mapping rule ids to a severity or {"severity", "threshold"}`);
  }
  if (cfg.exclude !== undefined && !(Array.isArray(cfg.exclude) && cfg.exclude.every((x) => typeof x === 'string'))) {
    throw new Error(`${path}: "exclude" must be an array of glob strings`);
  }
  return cfg as ProjectConfig;
}

/** The nearest `.lb-lens.json` in `dir` or a parent folder (stopping at a git root), if any. */
export function findProjectConfig(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    const candidate = join(d, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(d, '.git'))) return undefined;
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}
