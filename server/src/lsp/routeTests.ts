import { posix } from 'node:path';
import type { Diagnostic } from '../analysis/analyze';
import type { FileSystem } from '../service/fileSystem';
import type { DocumentAnalysis } from '../service/languageService';
import { checkRouteTestFile, DEFAULT_DISCOVERY, findRouteTestFiles, isRouteTestFile, routeTestDiagnostics } from '../service/routeTests';
import { dirnameUri, isInside, uriToPath } from '../service/uri';

/** What the route-test runner needs from the server (protocol glue stays in server.ts). */
export interface RouteTestHost {
  fileSystem: FileSystem;
  roots(): readonly string[];
  /** An open document's text, version and language id. */
  document(uri: string): { text: string; version: number; languageId?: string } | undefined;
  /** Analyse a config (cached by the language service: an open config that was just validated is not parsed again). */
  analyze(uri: string, text: string, languageId?: string): DocumentAnalysis | undefined;
  publish(uri: string, diagnostics: Diagnostic[], version?: number): void;
}

interface Known {
  /** The configs the file's cases route through, and every file their analyses read (includes, nginx.conf). */
  configs: Set<string>;
  reads: Set<string>;
}

/**
 * The language server's side of route tests: which test files exist in the workspace (found at start, then kept
 * up to date by `workspace/didChangeWatchedFiles` and open documents), which configs each one reads, and running a
 * test file — with open documents' live text — to publish its diagnostics, also when it is not open.
 */
export class RouteTestRunner {
  private readonly known = new Map<string, Known>();
  truncated = false;

  constructor(private readonly host: RouteTestHost) {}

  /** Find the test files of the workspace folders (bounded); returns them to be run. */
  discover(): string[] {
    const { files, truncated } = findRouteTestFiles(this.host.fileSystem, this.host.roots(), DEFAULT_DISCOVERY);
    this.truncated = truncated;
    for (const f of files) if (!this.known.has(f)) this.known.set(f, { configs: new Set(), reads: new Set() });
    return files;
  }

  /** Every test file known (found, watched, or opened). */
  all(): string[] {
    return [...this.known.keys()];
  }

  /** The test files whose last run read this document (a config, or a file a config includes). */
  readersOf(uri: string): string[] {
    const out: string[] = [];
    for (const [t, k] of this.known) if (k.reads.has(uri)) out.push(t);
    return out;
  }

  /**
   * True when a test reads the document only through another config (an included fragment): that config's cached
   * analysis is then outdated, and the caller must invalidate the service's cache.
   */
  readsThroughInclude(uri: string): boolean {
    for (const k of this.known.values()) if (k.reads.has(uri) && !k.configs.has(uri)) return true;
    return false;
  }

  /** A watched test file was created, changed or deleted on disk. Returns whether it should be run. */
  changedOnDisk(uri: string, deleted: boolean): boolean {
    if (!deleted) {
      if (!this.known.has(uri)) this.known.set(uri, { configs: new Set(), reads: new Set() });
      return true;
    }
    if (this.host.document(uri)) return true;
    this.known.delete(uri);
    this.host.publish(uri, []);
    return false;
  }

  /** Run a test file (its open text, else the disk's) and publish its diagnostics. */
  run(uri: string): void {
    const doc = this.host.document(uri);
    const text = doc?.text ?? (this.inWorkspace(uri) ? this.host.fileSystem.readFile(uri) : undefined);
    if (text === undefined) {
      // Neither open nor on disk (deleted, or an unsaved buffer that was closed): nothing to report any more.
      this.known.delete(uri);
      this.host.publish(uri, []);
      return;
    }
    const dir = uriToPath(dirnameUri(uri));
    const show = (u: string) => posix.relative(dir, uriToPath(u)) || uriToPath(u);
    const run = checkRouteTestFile(uri, text, (config) => this.provide(config), show);
    this.known.set(uri, { configs: new Set(run.configs), reads: new Set(run.reads) });
    this.host.publish(uri, routeTestDiagnostics(run), doc?.version);
  }

  private inWorkspace(uri: string): boolean {
    return this.host.roots().some((r) => isInside(uri, r));
  }

  private provide(uri: string): DocumentAnalysis | { error: string } {
    if (isRouteTestFile(uri)) return { error: 'is a route test file, not a config' };
    const doc = this.host.document(uri);
    // Never read outside the workspace folders (the test file could name any path).
    if (!doc && !this.inWorkspace(uri)) return { error: 'is outside the workspace folders' };
    const text = doc?.text ?? this.host.fileSystem.readFile(uri);
    if (text === undefined) return { error: 'no such file' };
    return this.host.analyze(uri, text, doc?.languageId) ?? { error: 'is not a load-balancer configuration lb-lens recognises' };
  }
}
