import { analyzeModel, type Diagnostic, type ModelAnalysis } from '../analysis/analyze';
import type { AnalysisSettings } from '../analysis/settings';
import type { FormatHost, FormatParser } from '../formats/types';
import type { TrafficModel } from '../model/types';
import type { FileSystem } from './fileSystem';
import { detectFormat } from './formats';
import { createFormatHost } from './host';
import { dirnameUri, isInside } from './uri';

/** A document as the service sees it: text in, results out. */
export interface TextDocumentInput {
  uri: string;
  text: string;
  /** The editor's language id (`nginx`, `haproxy`); detection by content when absent or unknown. */
  languageId?: string;
  version?: number;
}

/** The analysis of one document: its model (possibly the whole configuration it is part of) and findings. */
export interface DocumentAnalysis extends ModelAnalysis {
  uri: string;
  format: FormatParser;
  /** The document's own text (positions of results refer to it). */
  text: string;
  /** Findings located in this document (findings in included files are in `diagnostics` only). */
  ownDiagnostics: Diagnostic[];
  /** Milliseconds spent parsing and analysing (0 when served from cache). */
  durationMs: number;
}

export interface LanguageServiceOptions {
  fileSystem: FileSystem;
  /** Folders that may be read (workspace folders, the folders given to the CLI); includes outside are ignored. */
  roots: () => readonly string[];
  /** Text of open documents, which wins over the file system for includes. */
  openText?: (uri: string) => string | undefined;
}

/** Files that are not text or too large to analyse get a single message instead of an analysis. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 8192);
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) === 0) return true;
  return false;
}

interface CacheEntry {
  key: string;
  analysis: DocumentAnalysis;
}

/**
 * The lb-lens language service: pure functions of document text, settings and the files it may read. It knows
 * nothing about LSP: the server and the CLI are thin adapters over it.
 */
export class LanguageService {
  private readonly cache = new Map<string, CacheEntry>();
  /** `analyzeAlternative`'s last result per document, apart from the live analyses. */
  private readonly alternatives = new Map<string, CacheEntry>();
  private generation = 0;
  private readonly host: FormatHost;

  constructor(private readonly options: LanguageServiceOptions) {
    this.host = createFormatHost(options.fileSystem, (uri) => options.openText?.(uri), options.roots);
  }

  /** Forget cached results, e.g. when files on disk changed (includes may have changed). */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
    this.alternatives.clear();
  }

  /** The format of a document, or undefined when it is not one of ours (binary, plain YAML…). */
  formatOf(doc: TextDocumentInput): FormatParser | undefined {
    if (looksBinary(doc.text)) return undefined;
    return detectFormat(doc.uri, doc.text, doc.languageId);
  }

  /** Parse, lower and analyse a document (cached by text and settings). Undefined when it is not one of ours. */
  analyze(doc: TextDocumentInput, settings?: AnalysisSettings): DocumentAnalysis | undefined {
    return this.analyzeCached(this.cache, doc, settings, this.host);
  }

  /**
   * Analyse another text of a document — its HEAD version, for a comparison — as if it were the document: same
   * URI (so relative includes and the enclosing nginx.conf are found), and where the configuration reads the
   * document itself (a fragment analysed inside its root) it reads this text. The live document's cache entry is
   * left alone; the last alternative of each document is cached on its own, so a comparison that is recomputed
   * on every keystroke parses its unchanging base once.
   */
  analyzeAlternative(doc: TextDocumentInput, settings?: AnalysisSettings): DocumentAnalysis | undefined {
    const host = createFormatHost(
      this.options.fileSystem,
      (uri) => (uri === doc.uri ? doc.text : this.options.openText?.(uri)),
      this.options.roots,
    );
    return this.analyzeCached(this.alternatives, doc, settings, host);
  }

  private analyzeCached(
    cache: Map<string, CacheEntry>,
    doc: TextDocumentInput,
    settings: AnalysisSettings | undefined,
    host: FormatHost,
  ): DocumentAnalysis | undefined {
    const format = this.formatOf(doc);
    if (!format) return undefined;
    const key = `${this.generation}\u0000${format.id}\u0000${JSON.stringify(settings ?? {})}`;
    const cached = cache.get(doc.uri);
    if (cached && cached.key === key && cached.analysis.text === doc.text) return { ...cached.analysis, durationMs: 0 };
    // The previous analysis is outdated: let it go before building the next one, so that a large document's
    // two models are never alive together (that doubles the garbage collector's work and the peak memory).
    if (cached) cache.delete(doc.uri);
    const t0 = performance.now();
    let model = format.parse(doc.uri, doc.text, host);
    if (!model.closedWorld && format.rootFileNames?.length) model = this.modelInRoot(doc, format, model, host);
    const result = analyzeModel(model, settings);
    const analysis: DocumentAnalysis = {
      ...result,
      uri: doc.uri,
      format,
      text: doc.text,
      ownDiagnostics: result.diagnostics.filter((d) => d.uri === doc.uri),
      durationMs: performance.now() - t0,
    };
    cache.set(doc.uri, { key, analysis });
    return analysis;
  }

  /** Drop a closed document's cache entries. */
  forget(uri: string): void {
    this.cache.delete(uri);
    this.alternatives.delete(uri);
  }

  /**
   * A fragment (`conf.d/app.conf`) is analysed as part of the complete configuration that includes it, when
   * one is found in its folder or a parent folder inside the roots: its upstreams and servers then resolve.
   */
  private modelInRoot(doc: TextDocumentInput, format: FormatParser, fragment: TrafficModel, host: FormatHost): TrafficModel {
    const roots = this.options.roots();
    let dir = dirnameUri(doc.uri);
    for (let depth = 0; depth < 8 && roots.some((r) => isInside(dir, r)); depth++) {
      for (const name of format.rootFileNames ?? []) {
        const rootUri = `${dir}/${name}`;
        if (rootUri === doc.uri) continue;
        const text = host.readFile(rootUri);
        if (text === undefined) continue;
        const model = format.parse(rootUri, text, host);
        if (model.files.includes(doc.uri)) return model;
      }
      const parent = dirnameUri(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return fragment;
  }
}
