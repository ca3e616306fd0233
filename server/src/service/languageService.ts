import { analyzeModel, type Diagnostic, type ModelAnalysis } from '../analysis/analyze';
import type { AnalysisSettings } from '../analysis/settings';
import type { FormatHost, FormatParser } from '../formats/types';
import type { TrafficModel } from '../model/types';
import { MAX_FILE_BYTES, sizeText, type FileSystem } from './fileSystem';
import { detectFormat, formatById, formatByPath } from './formats';
import { createFormatHost } from './host';
import { basenameUri, dirnameUri, isInside } from './uri';

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
  /** Documents larger than this (UTF-8 bytes) are not analysed (default MAX_FILE_BYTES, 32 MiB). */
  maxFileBytes?: () => number;
  /** How messages name the roots: "the workspace" (default), "the folders checked" (CLI). */
  boundaryName?: string;
}

export { MAX_FILE_BYTES };

/** UTF-8 size of a text, without encoding it; stops counting once past `limit`. */
function utf8Length(text: string, limit: number): number {
  if (text.length > limit) return text.length;
  if (text.length * 3 <= limit) return text.length;
  let n = 0;
  for (let i = 0; i < text.length && n <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 8192);
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) === 0) return true;
  return false;
}

interface CacheEntry {
  key: string;
  analysis: DocumentAnalysis;
}

/** The detected format of one document text (detection runs once per text, not once per request). */
interface DetectionEntry {
  text: string;
  languageId: string | undefined;
  format: FormatParser | undefined;
}

/**
 * A complete configuration (`nginx.conf`) parsed for its fragments: parsed once per run for all of them, not once
 * per fragment (1,000 `conf.d` files would parse it 1,000 times). Valid while the service's generation is the same
 * (files on disk unchanged: the adapters call `invalidate()`) and every open document it read still has the text
 * it read.
 */
interface RootEntry {
  generation: number;
  model: TrafficModel;
  files: ReadonlySet<string>;
  /** Every file the parse read, with the text it read and whether that was an open document's text. */
  read: Array<{ uri: string; text: string; open: boolean }>;
  /** The analysis of the model, by settings key. */
  analysis?: { key: string; result: ModelAnalysis; byUri: Map<string, Diagnostic[]> };
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
  private readonly detected = new Map<string, DetectionEntry>();
  private readonly detectedAlternatives = new Map<string, DetectionEntry>();
  /** Complete configurations parsed for fragments, by host (the live one, or a comparison's) and root URI. */
  private readonly roots = new WeakMap<FormatHost, Map<string, RootEntry>>();

  constructor(private readonly options: LanguageServiceOptions) {
    this.host = createFormatHost(options.fileSystem, (uri) => options.openText?.(uri), options.roots, options.boundaryName);
  }

  /** Forget cached results, e.g. when files on disk changed (includes may have changed). */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
    this.alternatives.clear();
    this.detected.clear();
    this.detectedAlternatives.clear();
  }

  /** The size limit in bytes (`lbLens.maxFileSize`, the CLI's MAX_FILE_BYTES). */
  maxFileBytes(): number {
    const n = this.options.maxFileBytes?.();
    return n !== undefined && Number.isFinite(n) && n >= 0 ? n : MAX_FILE_BYTES;
  }

  /**
   * Why a document is not analysed at all: larger than the size limit, or binary (a NUL in its first 8 KiB);
   * undefined when it can be.
   */
  skipReason(doc: { text: string }): string | undefined {
    const max = this.maxFileBytes();
    if (utf8Length(doc.text, max) > max) return `larger than ${sizeText(max)}`;
    if (looksBinary(doc.text)) return 'binary file';
    return undefined;
  }

  /**
   * The format of a document, or undefined when it is not one of ours (binary, too large, plain YAML…): the
   * editor's language id when it names one of ours, else detection by content, else what its path says
   * (`nginx.conf`, `conf.d/*.conf`, `haproxy*.cfg`…). Remembered per document text and language id.
   */
  formatOf(doc: TextDocumentInput): FormatParser | undefined {
    return this.detect(this.detected, doc);
  }

  private detect(cache: Map<string, DetectionEntry>, doc: TextDocumentInput): FormatParser | undefined {
    const hit = cache.get(doc.uri);
    if (hit && hit.text === doc.text && hit.languageId === doc.languageId) return hit.format;
    let format: FormatParser | undefined;
    if (!this.skipReason(doc)) {
      format = formatById(doc.languageId) ?? detectFormat(doc.uri, doc.text) ?? this.formatByPath(doc.uri);
    }
    cache.set(doc.uri, { text: doc.text, languageId: doc.languageId, format });
    return format;
  }

  private formatByPath(uri: string): FormatParser | undefined {
    const dir = dirnameUri(uri);
    return formatByPath(uri, (name) => basenameUri(uri).toLowerCase() !== name && this.host.readFile(`${dir}/${name}`) !== undefined);
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
      this.options.boundaryName,
    );
    return this.analyzeCached(this.alternatives, doc, settings, host);
  }

  private analyzeCached(
    cache: Map<string, CacheEntry>,
    doc: TextDocumentInput,
    settings: AnalysisSettings | undefined,
    host: FormatHost,
  ): DocumentAnalysis | undefined {
    const format = this.detect(cache === this.cache ? this.detected : this.detectedAlternatives, doc);
    if (!format) return undefined;
    const key = `${this.generation}\u0000${format.id}\u0000${JSON.stringify(settings ?? {})}`;
    const cached = cache.get(doc.uri);
    if (cached && cached.key === key && cached.analysis.text === doc.text) return { ...cached.analysis, durationMs: 0 };
    // The previous analysis is outdated: let it go before building the next one, so that a large document's
    // two models are never alive together (that doubles the garbage collector's work and the peak memory).
    if (cached) cache.delete(doc.uri);
    const t0 = performance.now();
    const settingsKey = JSON.stringify(settings ?? {});
    let model = format.parse(doc.uri, doc.text, host);
    let result: ModelAnalysis;
    let own: Diagnostic[];
    const root = !model.closedWorld && format.rootFileNames?.length ? this.rootOf(doc, format, host) : undefined;
    if (root) {
      // A fragment inside its complete configuration: that configuration's analysis is shared by all its files.
      model = root.model;
      if (root.analysis?.key !== settingsKey) {
        const r = analyzeModel(model, settings);
        const byUri = new Map<string, Diagnostic[]>();
        for (const d of r.diagnostics) {
          let list = byUri.get(d.uri);
          if (!list) byUri.set(d.uri, (list = []));
          list.push(d);
        }
        root.analysis = { key: settingsKey, result: r, byUri };
      }
      result = root.analysis.result;
      own = root.analysis.byUri.get(doc.uri) ?? [];
    } else {
      result = analyzeModel(model, settings);
      own = result.diagnostics.filter((d) => d.uri === doc.uri);
    }
    const analysis: DocumentAnalysis = {
      ...result,
      uri: doc.uri,
      format,
      text: doc.text,
      ownDiagnostics: own,
      durationMs: performance.now() - t0,
    };
    cache.set(doc.uri, { key, analysis });
    return analysis;
  }

  /** Drop a closed document's cache entries. */
  forget(uri: string): void {
    this.cache.delete(uri);
    this.alternatives.delete(uri);
    this.detected.delete(uri);
    this.detectedAlternatives.delete(uri);
  }

  /**
   * A fragment (`conf.d/app.conf`) is analysed as part of the complete configuration that includes it, when
   * one is found in its folder or a parent folder inside the roots: its upstreams and servers then resolve.
   */
  private rootOf(doc: TextDocumentInput, format: FormatParser, host: FormatHost): RootEntry | undefined {
    const roots = this.options.roots();
    let byRoot = this.roots.get(host);
    if (!byRoot) this.roots.set(host, (byRoot = new Map()));
    let dir = dirnameUri(doc.uri);
    for (let depth = 0; depth < 8 && roots.some((r) => isInside(dir, r)); depth++) {
      for (const name of format.rootFileNames ?? []) {
        const rootUri = `${dir}/${name}`;
        if (rootUri === doc.uri) continue;
        const entry = this.rootModel(byRoot, rootUri, format, host);
        if (entry?.files.has(doc.uri)) return entry;
      }
      const parent = dirnameUri(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return undefined;
  }

  /** The complete configuration at `rootUri` (cached, see RootEntry), or undefined when there is none. */
  private rootModel(byRoot: Map<string, RootEntry>, rootUri: string, format: FormatParser, host: FormatHost): RootEntry | undefined {
    const open = this.options.openText;
    const cached = byRoot.get(rootUri);
    // Still valid when nothing on disk changed (generation) and each file read has the same open text as then
    // (or is still not open). Without open documents (the CLI) there is nothing to compare.
    const fresh = (e: RootEntry) =>
      e.generation === this.generation &&
      (!open ||
        e.read.every((r) => {
          const now = open(r.uri);
          return now === undefined ? !r.open : now === r.text;
        }));
    if (cached && fresh(cached)) return cached;
    byRoot.delete(rootUri);
    const read: RootEntry['read'] = [];
    const recording: FormatHost = {
      ...host,
      readFile(uri) {
        const text = host.readFile(uri);
        if (text !== undefined && open) read.push({ uri, text, open: open(uri) !== undefined });
        return text;
      },
    };
    const text = recording.readFile(rootUri);
    if (text === undefined) return undefined;
    const model = format.parse(rootUri, text, recording);
    const entry: RootEntry = { generation: this.generation, model, files: new Set(model.files), read };
    // Only the last few configurations (a workspace has one or two nginx.conf).
    if (byRoot.size >= 8) byRoot.delete(byRoot.keys().next().value!);
    byRoot.set(rootUri, entry);
    return entry;
  }
}
