import { existsSync, lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AnalysisSettings } from '../analysis/settings';
import { createNodeFileSystem } from './nodeFileSystem';

export const CONFIG_FILE = '.lb-lens.json';

/**
 * `.lb-lens.json`: the same `rules` shape as the VS Code setting `lbLens.rules`, plus `exclude` globs for the CLI
 * and `allowedFolders`, folders outside the workspace that may be read (relative to the file's folder). A checked
 * folder cannot widen its own boundary: `allowedFolders` counts only in a file given with `--config`, and in the
 * editor only in a trusted workspace.
 */
export interface ProjectConfig extends AnalysisSettings {
  exclude?: string[];
  allowedFolders?: string[];
}

/** A config file is small: anything larger is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a config file; throws with a clear message when it is not valid JSON or has the wrong shape. Only a
 * regular file is read; `within` (a folder), when given, is where its real path must be (a `.lb-lens.json` that
 * links out of its folder is not read).
 */
export function readProjectConfig(path: string, within?: string): ProjectConfig {
  const fs = createNodeFileSystem({ roots: within ? () => [within] : undefined, maxFileBytes: () => MAX_CONFIG_BYTES, boundaryName: 'its folder' });
  const read = fs.readPath(path);
  if (!('text' in read)) throw new Error(`${path}: cannot be read: ${read.reason}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
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
  if (cfg.allowedFolders !== undefined && !(Array.isArray(cfg.allowedFolders) && cfg.allowedFolders.every((x) => typeof x === 'string'))) {
    throw new Error(`${path}: "allowedFolders" must be an array of folder paths`);
  }
  return cfg as ProjectConfig;
}

/**
 * The nearest `.lb-lens.json` in `dir` or a parent folder, if any: the search stops at a git root, and goes up
 * only while `mayLookIn` allows the folder (the CLI: the folders checked and the current folder with what is
 * below it, never `/tmp` or `/` above them).
 */
export function findProjectConfig(dir: string, mayLookIn: (dir: string) => boolean = () => true): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (!mayLookIn(d)) return undefined;
    const candidate = join(d, CONFIG_FILE);
    if (exists(candidate)) return candidate;
    if (existsSync(join(d, '.git'))) return undefined;
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
