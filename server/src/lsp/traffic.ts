/**
 * Logged traffic in the editor (`lbLens.traffic.logs`): the language server replays the configured access logs
 * through each open configuration in the background, and hovers, inlay hints and the preview show the result
 * next to the configured shares.
 *
 * - **Where**: the setting's paths and globs, relative to each workspace folder; a log is read only when its real
 *   path (after symbolic links) is inside the workspace boundary and it is a regular file (never a FIFO or a
 *   device: `NodeFileSystem.locateFile`, and `logReader` checks the opened descriptor again). Refusals are told
 *   once per settings change (a window message) and listed in the preview.
 * - **When**: a replay starts REPLAY_DELAY_MS after a document's diagnostics were published; an edit of the
 *   document (or a settings change) cancels it, and the next validation starts a new one. One replay at a time.
 * - **How**: logs are streamed in CHUNK_BYTES reads; after each chunk the replay yields to the event loop and waits
 *   while a document waits for its diagnostics, so keystrokes are analysed first. At most `maxLines` lines
 *   (`lbLens.traffic.maxLines`, default DEFAULT_MAX_LINES) and MAX_BYTES bytes are read per replay: past the cap
 *   the result is a sample (the first lines, in the order of the setting), and says so.
 * - **Progress**: a replay that runs longer than PROGRESS_DELAY_MS reports LSP work-done progress
 *   (`window/workDoneProgress/create`, `$/progress`), cancellable (`window/workDoneProgress/cancel`).
 * - **Cache**: one result per document, keyed by the analysed text (and the versions of the open documents its
 *   configuration includes), the settings, and each log's real path, size and modification time; hovers and the
 *   preview read it and never read logs.
 */
import { relative } from 'node:path';
import { MessageType, ShowMessageNotification, type Connection, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { LogReadError, readLogLines } from '../node/logReader';
import type { NodeFileSystem } from '../node/nodeFileSystem';
import type { DocumentAnalysis } from '../service/languageService';
import { configLogInfo, formatContextFor } from '../service/logs/config';
import { LOG_FORMAT_IDS, normaliseFormatName } from '../service/logs/formats';
import { expandLogPatterns } from '../service/logs/patterns';
import { Replay } from '../service/logs/replay';
import { openLogFile, type LogFileSummary } from '../service/logs/session';
import { SeriesBudget } from '../service/logs/series';
import type { PreviewTrafficInput } from '../service/preview';
import { trafficFacts, type TrafficFacts } from '../service/traffic';
import { pathToUri } from '../service/uri';

export const DEFAULT_MAX_LINES = 200_000;
export const MAX_MAX_LINES = 10_000_000;
/** Bytes read per replay (compressed bytes for gzip), whatever the line cap. */
export const MAX_BYTES = 512 * 1024 * 1024;
const REPLAY_DELAY_MS = 400;
const PROGRESS_DELAY_MS = 250;
const PROGRESS_EVERY_MS = 200;
const CHUNK_BYTES = 64 * 1024;
/** Per-second counts of one replay (the CLI's budget is 128 MiB; an editor keeps less). */
const SERIES_CELLS = 8 * 1024 * 1024;

export interface TrafficSettingsInput {
  logs?: unknown;
  logFormat?: unknown;
  maxLines?: unknown;
}

interface Settings {
  patterns: string[];
  format: string;
  /** Set when the format setting names no known format (auto is used). */
  formatProblem?: string;
  maxLines: number;
}

interface Entry {
  key: string;
  /** Each log's real path, size and modification time when it was read. */
  stats: string;
  status: PreviewTrafficInput['status'];
  facts?: TrafficFacts;
  message?: string;
  progress?: number;
  refused: PreviewTrafficInput['refused'];
}

type StopReason = { kind: 'cap' } | { kind: 'cancelled' } | { kind: 'superseded' };

export interface TrafficDeps {
  connection: Connection;
  fileSystem: NodeFileSystem;
  /** The workspace folders, as paths (relative settings are resolved in each). */
  folders: () => string[];
  analyze: (uri: string) => DocumentAnalysis | undefined;
  /** The text of a file of the configuration (open document, else disk): for `log_format`s and captures. */
  readText: (uri: string) => string | undefined;
  /** The version of an open document (for the key of configurations that include other open documents). */
  versionOf: (uri: string) => number | undefined;
  /** True while a document waits for its diagnostics: the replay waits too. */
  busy: () => boolean;
  /**
   * A document's logged traffic changed (done, cancelled, failed), or its replay began reporting progress
   * (`replaying`, with the progress token: a client cancels with `window/workDoneProgress/cancel` on it).
   */
  changed: (uri: string, status: Entry['status'], progressToken?: string | number) => void;
}

export class TrafficReplays {
  private settings: Settings = { patterns: [], format: 'auto', maxLines: DEFAULT_MAX_LINES };
  private generation = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly queue: Array<{ uri: string; force: boolean }> = [];
  private running: { uri: string; key: string; controller: AbortController } | undefined;
  /** Refusals already told in a window message, per settings generation. */
  private announced = new Set<string>();

  constructor(private readonly deps: TrafficDeps) {}

  get enabled(): boolean {
    return this.settings.patterns.length > 0;
  }

  /** New settings: when they change what is replayed, every replay is cancelled and every result forgotten. */
  configure(raw: TrafficSettingsInput | undefined): boolean {
    const patterns = Array.isArray(raw?.logs) ? raw!.logs.filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim()) : [];
    const rawFormat = typeof raw?.logFormat === 'string' && raw.logFormat.trim() ? raw.logFormat.trim() : 'auto';
    const format = normaliseFormatName(rawFormat);
    const lines = typeof raw?.maxLines === 'number' && Number.isFinite(raw.maxLines) && raw.maxLines >= 1 ? Math.min(Math.floor(raw.maxLines), MAX_MAX_LINES) : DEFAULT_MAX_LINES;
    const next: Settings = {
      patterns,
      format: format ?? 'auto',
      ...(format ? {} : { formatProblem: `"lbLens.traffic.logFormat": unknown format "${rawFormat}" (${LOG_FORMAT_IDS.join(', ')}, or nginx:<log_format name>): the format is detected instead` }),
      maxLines: lines,
    };
    if (JSON.stringify(next) === JSON.stringify(this.settings)) return false;
    this.settings = next;
    this.reset();
    if (next.formatProblem) this.warn(`LB Lens: ${next.formatProblem}.`);
    return true;
  }

  /** A warning in the editor's window (a notification: `window/showMessageRequest` would wait for an answer). */
  private warn(message: string): void {
    void this.deps.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message }).catch(() => undefined);
  }

  /** Forget every result and cancel every replay (settings or files on disk changed). */
  reset(): void {
    this.generation++;
    this.announced = new Set();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.running?.controller.abort({ kind: 'superseded' } satisfies StopReason);
    this.entries.clear();
  }

  /** Replay the logs through `uri`'s configuration once it has been idle a moment (nothing to do when cached). */
  schedule(uri: string, delay = REPLAY_DELAY_MS, force = false): void {
    if (!this.enabled) return;
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      const i = this.queue.findIndex((q) => q.uri === uri);
      if (i >= 0) this.queue.splice(i, 1);
      this.queue.push({ uri, force });
      void this.pump();
    }, delay).unref());
  }

  /**
   * A view asks (the preview): when no replay of the document is waiting or running, check whether its logs changed
   * on disk since they were read (the next replay finds the cached result when they did not).
   */
  refresh(uri: string): void {
    if (!this.enabled || this.timers.has(uri) || this.running?.uri === uri || this.queue.some((q) => q.uri === uri)) return;
    this.schedule(uri, 0);
  }

  /** The document changed: its replay (running or waiting) is outdated. */
  cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    const i = this.queue.findIndex((q) => q.uri === uri);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.running?.uri === uri) this.running.controller.abort({ kind: 'superseded' } satisfies StopReason);
  }

  /** The document was closed. */
  forget(uri: string): void {
    this.cancel(uri);
    this.entries.delete(uri);
  }

  /**
   * What the views show for an analysis: the numbers when the cached replay was made from this very text, else
   * the state of the replay on its way (undefined when the setting names no log).
   */
  view(a: DocumentAnalysis): PreviewTrafficInput | undefined {
    if (!this.enabled) return undefined;
    const e = this.entries.get(a.uri);
    if (!e || e.key !== this.keyOf(a)) return { status: 'replaying', message: 'Replaying the access logs…', refused: e?.refused ?? [] };
    return {
      status: e.status,
      refused: e.refused,
      ...(e.status === 'done' ? { facts: e.facts } : {}),
      ...(e.message ? { message: e.message } : {}),
      ...(e.progress !== undefined && e.status === 'replaying' ? { progress: e.progress } : {}),
    };
  }

  private keyOf(a: DocumentAnalysis): string {
    const others = a.model.files.filter((f) => f !== a.uri).map((f) => `${f}@${this.deps.versionOf(f) ?? ''}`);
    return `${this.generation}\u0000${a.uri}\u0000${others.join('\u0001')}\u0000${a.text}`;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) return;
    try {
      await this.run(next.uri, next.force);
    } catch (e) {
      this.deps.connection.console.error(`lb-lens: replaying the access logs for ${next.uri} failed: ${(e as Error).stack ?? e}`);
    } finally {
      this.running = undefined;
      void this.pump();
    }
  }

  /** The setting's logs: readable files (real path, size, mtime) and what was refused. */
  private locateLogs(): { files: Array<{ path: string; shown: string; real: string; size: number; mtimeMs: number }>; refused: Entry['refused'] } {
    const fs = this.deps.fileSystem;
    const folders = this.deps.folders();
    const files: Array<{ path: string; shown: string; real: string; size: number; mtimeMs: number }> = [];
    const refused: Entry['refused'] = [];
    const shown = (p: string) => {
      const f = folders.find((x) => p === x || p.startsWith(`${x}/`));
      return f ? relative(f, p) || p : p;
    };
    const expanded = expandLogPatterns(this.settings.patterns, folders, (dir) => fs.readDirectory(pathToUri(dir)));
    for (const x of expanded) {
      let found = 0;
      const missing: string[] = [];
      for (const p of x.paths) {
        const where = fs.locateFile(p);
        if ('real' in where) {
          if (!files.some((f) => f.real === where.real)) files.push({ path: p, shown: shown(p), real: where.real, size: where.size, mtimeMs: where.mtimeMs });
          found++;
        } else if (where.missing) missing.push(p);
        else refused.push({ path: x.glob ? shown(p) : x.pattern, reason: where.reason });
      }
      if (found === 0 && !refused.some((r) => r.path === x.pattern)) {
        if (x.glob) refused.push({ path: x.pattern, reason: 'matches no file in the workspace' });
        else if (missing.length) refused.push({ path: x.pattern, reason: 'does not exist' });
      }
      if (x.stopped) refused.push({ path: x.pattern, reason: `the search for files ${x.stopped}` });
    }
    return { files, refused };
  }

  private async run(uri: string, force: boolean): Promise<void> {
    const a = this.deps.analyze(uri);
    if (!a || a.model.routes.length === 0) return;
    const key = this.keyOf(a);
    const { files, refused } = this.locateLogs();
    const stats = files.map((f) => `${f.real}\u0000${f.size}\u0000${f.mtimeMs}`).join('\u0001');
    const old = this.entries.get(uri);
    if (!force && old && old.key === key && old.stats === stats && old.status !== 'replaying') return;
    for (const r of refused) {
      const k = `${r.path}\u0000${r.reason}`;
      if (this.announced.has(k)) continue;
      this.announced.add(k);
      this.warn(`LB Lens: "lbLens.traffic.logs": ${r.path} is not read: ${r.reason}.`);
    }
    if (files.length === 0) {
      this.entries.set(uri, { key, stats, status: 'failed', message: 'No access log to replay: "lbLens.traffic.logs" names no file that can be read in the workspace.', refused });
      this.deps.changed(uri, 'failed');
      return;
    }
    const entry: Entry = { key, stats, status: 'replaying', progress: 0, refused };
    this.entries.set(uri, entry);
    const controller = new AbortController();
    this.running = { uri, key, controller };
    const signal = controller.signal;

    // Progress, once the replay has taken a moment (most replays of a sample are done before anyone would look).
    const total = files.reduce((s, f) => s + f.size, 0);
    let doneBytes = 0;
    let reporter: WorkDoneProgressServerReporter | undefined;
    let lastReport = 0;
    let message = '';
    const percent = (read: number) => (total > 0 ? Math.min(100, Math.floor(((doneBytes + read) / total) * 100)) : 0);
    const progressTimer = setTimeout(() => {
      void this.deps.connection.window.createWorkDoneProgress().then((r) => {
        if (signal.aborted || this.running?.controller !== controller) {
          r.done();
          return;
        }
        reporter = r;
        r.begin('LB Lens: replaying access logs', entry.progress ?? 0, message, true);
        r.token.onCancellationRequested(() => controller.abort({ kind: 'cancelled' } satisfies StopReason));
        const token = progressTokenOf(r);
        if (token !== undefined) this.deps.changed(uri, 'replaying', token);
      }, () => undefined);
    }, PROGRESS_DELAY_MS);

    const replay = new Replay(a.model, a.index, { budget: new SeriesBudget(SERIES_CELLS, SERIES_CELLS / 2) });
    const info = configLogInfo(a, this.deps.readText);
    const summaries: LogFileSummary[] = [];
    const maxLines = this.settings.maxLines;
    let lines = 0;
    let sample: string | undefined;
    const pause = async () => {
      await new Promise((r) => setImmediate(r));
      for (let waited = 0; this.deps.busy() && !signal.aborted && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    };
    let stopped: StopReason | undefined;
    try {
      for (const f of files) {
        message = f.shown;
        let feed;
        try {
          feed = openLogFile(f.shown, this.settings.format, formatContextFor(info, f.path, replay.wantHeader), (rec) => replay.add(rec));
        } catch (e) {
          // A `nginx:<name>` format the configuration does not declare.
          summaries.push({ path: f.shown, lines: 0, requests: 0, noRequest: 0, unparseable: 0, examples: [], error: (e as Error).message });
          doneBytes += f.size;
          continue;
        }
        let error: string | undefined;
        try {
          const r = await readLogLines(f.real, {
            line: (t) => {
              if (lines >= maxLines) return;
              feed.push(t);
              if (++lines >= maxLines) controller.abort({ kind: 'cap' } satisfies StopReason);
            },
            tooLong: (s, n) => {
              if (lines >= maxLines) return;
              feed.pushTooLong(s, n);
              if (++lines >= maxLines) controller.abort({ kind: 'cap' } satisfies StopReason);
            },
          }, {
            signal,
            chunkBytes: CHUNK_BYTES,
            pause,
            progress: (p) => {
              if (doneBytes + p.read >= MAX_BYTES && !signal.aborted) controller.abort({ kind: 'cap' } satisfies StopReason);
              entry.progress = percent(p.read);
              const now = performance.now();
              if (reporter && now - lastReport >= PROGRESS_EVERY_MS) {
                lastReport = now;
                reporter.report(entry.progress, `${f.shown} · ${lines.toLocaleString('en-US')} lines`);
              }
            },
          });
          error = r.error;
        } catch (e) {
          if (e instanceof LogReadError) error = e.message;
          else if (signal.aborted) {
            stopped = signal.reason as StopReason;
            if (stopped?.kind !== 'cap') throw e;
          } else throw e;
        }
        summaries.push(feed.end(error));
        doneBytes += f.size;
        if (stopped?.kind === 'cap') {
          const rest = files.length - summaries.length;
          sample = lines >= maxLines
            ? `the first ${maxLines.toLocaleString('en-US')} lines${rest > 0 ? `; ${rest} more log file${rest === 1 ? '' : 's'} not read` : ''} ("lbLens.traffic.maxLines")`
            : `the first ${Math.round(MAX_BYTES / 1024 / 1024)} MiB of the logs`;
          break;
        }
      }
    } catch (e) {
      const reason = (signal.reason ?? undefined) as StopReason | undefined;
      if (!signal.aborted || !reason) throw e;
      if (reason.kind === 'superseded') {
        // An edit or new settings: the next validation schedules a fresh replay.
        if (this.entries.get(uri) === entry) this.entries.delete(uri);
        return;
      }
      entry.status = 'cancelled';
      entry.message = 'Replay cancelled: the logs are replayed again after the next edit.';
      this.deps.changed(uri, 'cancelled');
      return;
    } finally {
      clearTimeout(progressTimer);
      reporter?.done();
    }
    if (this.entries.get(uri) !== entry) return;
    if (replay.requests === 0) {
      entry.status = 'failed';
      const unknown = summaries.some((s) => !s.format && !s.error);
      entry.message = `No line of ${summaries.map((s) => s.path).join(', ')} could be read as a request${unknown ? ' (format not recognised: "lbLens.traffic.logFormat" names it)' : ''}${summaries.find((s) => s.error) ? `: ${summaries.find((s) => s.error)!.error}` : ''}.`;
      entry.facts = undefined;
    } else {
      entry.status = 'done';
      entry.facts = trafficFacts(a, replay, summaries, sample);
    }
    entry.progress = undefined;
    this.deps.changed(uri, entry.status);
  }
}

/**
 * The work-done token of a reporter made by `createWorkDoneProgress()` (vscode-languageserver keeps it in a private
 * field): the client is told it, so that its Cancel button can send `window/workDoneProgress/cancel`.
 */
function progressTokenOf(r: WorkDoneProgressServerReporter): string | number | undefined {
  const token = (r as unknown as { _token?: unknown })._token;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}
