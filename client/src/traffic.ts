// Logged traffic (`lbLens.traffic.logs`): the server replays the access logs and says when a document's numbers
// change (`lbLens/trafficChanged`); this keeps the progress token of each running replay, so that "LB Lens: Cancel
// Access-Log Replay" and the preview's Cancel button stop it with `window/workDoneProgress/cancel` (the LSP's own
// cancellation), and asks for a replay again after one was cancelled. No analysis here.
import * as vscode from 'vscode';
import { WorkDoneProgressCancelNotification, type LanguageClient } from 'vscode-languageclient/node';
import { REPLAY_REQUEST, TRAFFIC_CHANGED_NOTIFICATION, type ReplayParams, type TrafficChangedParams } from './protocol';

export class TrafficTracker implements vscode.Disposable {
  /** Progress token of the running replay, per document URI. */
  private readonly tokens = new Map<string, string | number>();
  private readonly emitter = new vscode.EventEmitter<TrafficChangedParams>();
  /** A document's logged traffic changed (or its replay began reporting progress). */
  readonly onDidChange = this.emitter.event;
  /** The notifications received, newest last (for in-host tests; at most 50). */
  readonly history: TrafficChangedParams[] = [];

  constructor(private readonly getClient: () => LanguageClient | undefined) {}

  /** Listen to a (new) client's notifications. */
  attach(client: LanguageClient): vscode.Disposable {
    this.tokens.clear();
    return client.onNotification(TRAFFIC_CHANGED_NOTIFICATION, (p: TrafficChangedParams) => {
      if (!p || typeof p.uri !== 'string') return;
      if (p.status === 'replaying' && p.progressToken !== undefined) this.tokens.set(p.uri, p.progressToken);
      else this.tokens.delete(p.uri);
      this.history.push(p);
      if (this.history.length > 50) this.history.shift();
      this.emitter.fire(p);
    });
  }

  /** Whether a replay of this document reports progress now. */
  replaying(uri: string): boolean {
    return this.tokens.has(uri);
  }

  /** Cancel the replay of `uri` (of every document without one). False when none was running. */
  async cancel(uri?: string): Promise<boolean> {
    const client = this.getClient();
    if (!client) return false;
    const targets = uri ? (this.tokens.has(uri) ? [uri] : []) : [...this.tokens.keys()];
    for (const u of targets) {
      const token = this.tokens.get(u)!;
      this.tokens.delete(u);
      await client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
    }
    return targets.length > 0;
  }

  /** Replay the logs through `uri` now (after a cancellation). */
  async replayAgain(uri: string): Promise<boolean> {
    const client = this.getClient();
    if (!client) return false;
    const params: ReplayParams = { textDocument: { uri } };
    return (await client.sendRequest<boolean>(REPLAY_REQUEST, params)) === true;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
