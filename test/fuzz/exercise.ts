import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { createNodeFileSystem } from '../../server/src/node/nodeFileSystem';
import { getCodeActions, FIX_ALL_KIND } from '../../server/src/service/codeActions';
import { compareDocument } from '../../server/src/service/compare';
import type { FileSystem } from '../../server/src/service/fileSystem';
import { getHover } from '../../server/src/service/hover';
import { getInlayHints } from '../../server/src/service/inlayHints';
import { LanguageService, type DocumentAnalysis } from '../../server/src/service/languageService';
import { getDefinition, getReferences } from '../../server/src/service/navigation';
import { buildPreview } from '../../server/src/service/preview';
import { getDocumentSymbols } from '../../server/src/service/symbols';
import { pathToUri, uriToPath } from '../../server/src/service/uri';
import type { Position } from '../../server/src/model/types';
import { memoryFileSystem } from '../helpers/edits';
import type { FuzzInput } from './generators';

/**
 * One fuzz input through the whole language service, as the editor and the CLI drive it: analyse (detection by
 * content or by the given language), then hover, definition and references at sample positions, inlay hints,
 * symbols, code actions for findings and fix-all, the preview, a comparison with a base text (`lbLens/compare`),
 * and a re-analysis after an edit. An exception escaping any of them is a crash; the checks below are findings
 * too: a JavaScript error text in a message, shares that are not fractions, or a read outside the workspace.
 */

export interface ExerciseResult {
  /** Invariant violations (not exceptions). */
  findings: Array<{ check: 'message' | 'shares' | 'escape' | 'ranges'; detail: string }>;
  diagnostics: number;
  format?: string;
  /** Paths read (real file system shapes only). */
  reads: number;
  /**
   * Time spent detecting the format of the three texts analysed (each detected twice: timed alone, and inside its
   * analysis): format detection is owned by other work and is reported apart.
   */
  detectMs: number;
}

/** Texts that are JavaScript talking, not the product. */
const JS_TEXT = /Maximum call stack|RangeError|TypeError|ReferenceError|is not a function|Cannot read propert|undefined is not|\bat Object\.|\[object Object\]/;
/** JavaScript's words for values: fine when the user wrote them, a leak of a JavaScript value otherwise. */
const JS_WORDS = /\b(?:NaN|Infinity|undefined)\b/g;

/** A file system that records what it is asked to read. */
/** Records what was actually read: files whose text came back, folders whose entries did (refusals read nothing). */
function recording(inner: FileSystem, log: string[]): FileSystem {
  return {
    readFile(uri) {
      const text = inner.readFile(uri);
      if (text !== undefined) log.push(uri);
      return text;
    },
    readDirectory(uri) {
      const entries = inner.readDirectory(uri);
      if (entries.length > 0) log.push(uri);
      return entries;
    },
  };
}

/** Build a file-system shape in a fresh temporary folder; returns its real path. */
function buildFs(input: FuzzInput): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-fuzz-')));
  const fs = input.fs!;
  for (const [p, text] of Object.entries(fs.files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  for (const [p, target] of Object.entries(fs.links ?? {})) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    try {
      symlinkSync(target.startsWith('/') || target.startsWith('.') || !target.includes('/') ? target : join(root, target), join(root, p));
    } catch {
      /* an existing path */
    }
  }
  for (const p of fs.fifos ?? []) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    try {
      execFileSync('mkfifo', [join(root, p)]);
    } catch {
      /* no mkfifo: the shape is just missing its FIFO */
    }
  }
  return root;
}

const inside = (path: string, root: string) => path === root || path.startsWith(root + sep);

export function exercise(input: FuzzInput): ExerciseResult {
  const findings: ExerciseResult['findings'] = [];
  const reads: string[] = [];
  let fsRoot: string | undefined;
  let uri = input.uri;
  let text = input.text;
  let fileSystem: FileSystem;
  let roots: string[];
  if (input.fs) {
    fsRoot = buildFs(input);
    const workspace = join(fsRoot, 'ws');
    uri = pathToUri(join(fsRoot, input.fs.document));
    text = input.fs.files[input.fs.document] ?? '';
    fileSystem = recording(createNodeFileSystem({ roots: () => roots }), reads);
    roots = [pathToUri(workspace)];
  } else {
    const files = new Map(Object.entries({ ...(input.files ?? {}), [uri]: text }));
    fileSystem = recording(memoryFileSystem(files), reads);
    roots = [uri.slice(0, uri.lastIndexOf('/'))];
  }
  try {
    const service = new LanguageService({ fileSystem, roots: () => roots });
    const baseText = input.baseText ?? text.slice(0, Math.floor(text.length / 2));
    const at = Math.floor(text.length / 3);
    const editedText = `${text.slice(0, at)}\n${text.slice(at)}`;
    // Detection of each text analysed below, timed on its own (the analyses detect again; counted once more).
    const detect = (t: string) => {
      const t0 = performance.now();
      service.formatOf({ uri, text: t, languageId: input.languageId });
      return performance.now() - t0;
    };
    const d0 = detect(text);
    const detectMs = 2 * d0 + 2 * detect(baseText) + 2 * detect(editedText);
    const a = service.analyze({ uri, text, languageId: input.languageId });
    if (a) {
      check(a, text, findings);
      for (const pos of positions(a)) {
        getHover(a, pos);
        getDefinition(a, pos);
        getReferences(a, pos, true);
      }
      getInlayHints(a);
      getDocumentSymbols(a);
      for (const d of a.ownDiagnostics.slice(0, 8)) getCodeActions(a, { range: d.range });
      getCodeActions(a, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, only: [FIX_ALL_KIND] });
      const firstServer = a.model.pools.flatMap((p) => p.servers)[0];
      buildPreview(a, uri, firstServer ? [firstServer.name ?? firstServer.address] : []);
      const base = service.analyzeAlternative({ uri, text: baseText, languageId: input.languageId });
      compareDocument(a, base, { labels: { base: 'HEAD', head: 'working tree' }, failed: firstServer ? [firstServer.address] : [] });
      // An edit: the incremental paths (nginx, HAProxy, large YAML) against the cached previous version.
      const edited = service.analyze({ uri, text: editedText, languageId: input.languageId });
      if (edited) check(edited, text, findings);
    }
    if (fsRoot) {
      const real = realpathSync(join(fsRoot, 'ws'));
      for (const u of new Set(reads)) {
        let p: string;
        try {
          p = realpathSync(uriToPath(u));
        } catch {
          continue; // nothing there: nothing was read
        }
        if (!inside(p, real)) findings.push({ check: 'escape', detail: `${u} → ${p}` });
      }
    }
    return { findings, diagnostics: a?.diagnostics.length ?? 0, format: a?.format.id, reads: reads.length, detectMs };
  } finally {
    if (fsRoot) rmSync(fsRoot, { recursive: true, force: true });
  }
}

function positions(a: DocumentAnalysis): Position[] {
  const out: Position[] = [{ line: 0, character: 0 }];
  for (const d of a.ownDiagnostics.slice(0, 4)) out.push(d.range.start, d.range.end);
  for (const p of a.model.pools.slice(0, 2)) {
    out.push(p.source.range.start);
    for (const s of p.servers.slice(0, 2)) out.push(s.source.range.start);
  }
  out.push({ line: 1e9, character: 1e9 }, { line: -1, character: -1 });
  return out;
}

function check(a: DocumentAnalysis, text: string, findings: ExerciseResult['findings']): void {
  for (const d of a.diagnostics) {
    const leaked = (d.message.match(JS_WORDS) ?? []).some((w) => !text.includes(w));
    if (JS_TEXT.test(d.message) || leaked) findings.push({ check: 'message', detail: `${d.ruleId} ${d.message.slice(0, 200)}` });
    const r = d.range;
    if (!(r.start.line >= 0 && r.start.character >= 0 && (r.end.line > r.start.line || (r.end.line === r.start.line && r.end.character >= r.start.character)))) {
      findings.push({ check: 'ranges', detail: `${d.ruleId} ${JSON.stringify(r)}` });
    }
  }
  for (const dist of a.distributions.values()) {
    let sum = 0;
    for (const s of dist.shares) {
      if (!(s.share >= 0 && s.share <= 1 + 1e-9)) findings.push({ check: 'shares', detail: `${dist.route.name}: ${s.server.address} ${s.share}` });
      sum += s.share;
    }
    if (!(sum <= 1 + 1e-6) || !(dist.served >= 0 && dist.served <= 1 + 1e-9)) findings.push({ check: 'shares', detail: `${dist.route.name}: sum ${sum}, served ${dist.served}` });
  }
}
