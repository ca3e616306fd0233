/**
 * `server` / `default-server` settings (configuration manual "5.2. Server and default-server options").
 *
 * Settings are read left to right, a later one overriding an earlier one, which is also how a `server`
 * line builds on the `default-server` lines before it. Only the settings that matter to the traffic model
 * are interpreted; the others are skipped with their argument so that a value (`cookie check`) is never
 * mistaken for a flag. Unknown keywords are accepted: HAProxy has hundreds and adds more every release.
 */
import type { Server } from '../../model/types';
import type { Word } from './parser';

export interface ServerSettings {
  weight: number;
  backup: boolean;
  disabled: boolean;
  /** `check` (active health checks), cleared by `no-check`. */
  check: boolean;
  /** `observe layer4|layer7`: passive health checking on live traffic. */
  observe: boolean;
  /** `track [<backend>/]<server>`: the state follows another server's checks. */
  track?: Word;
}

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = { weight: 1, backup: false, disabled: false, check: false, observe: false };

export interface SettingProblem {
  message: string;
  word: Word;
}

/** Settings that take exactly one argument. */
const ONE_ARGUMENT = new Set([
  'addr', 'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'ca-file', 'check-alpn', 'check-proto',
  'check-sni', 'ciphers', 'ciphersuites', 'client-sigalgs', 'cookie', 'crl-file', 'crt', 'curves', 'downinter',
  'error-limit', 'fall', 'fastinter', 'guid', 'hash-key', 'id', 'idle-ping', 'init-addr', 'init-state', 'inter',
  'log-bufsize', 'log-proto', 'max-reuse', 'maxconn', 'maxqueue', 'minconn', 'namespace', 'npn', 'observe',
  'on-error', 'on-marked-down', 'on-marked-up', 'pool-conn-name', 'pool-low-conn', 'pool-max-conn',
  'pool-purge-delay', 'port', 'proto', 'proxy-v2-options', 'redir', 'resolve-net', 'resolve-opts',
  'resolve-prefer', 'resolvers', 'rise', 'shard', 'sigalgs', 'slowstart', 'sni', 'socks4', 'ssl-max-ver',
  'ssl-min-ver', 'tcp-md5sig', 'tcp-ut', 'track', 'verify', 'verifyhost', 'weight', 'ws',
]);

/** Manual 5.2 "weight": "The default weight is 1, and the maximal value is 256. A value of 0 means the server will not participate in load-balancing". */
export const MAX_WEIGHT = 256;

/**
 * Apply settings words to `into`. `report` receives rejected values; pass it only the first time a given
 * line is read (a `default-server` line is re-applied to every following server).
 */
export function applyServerSettings(into: ServerSettings, words: readonly Word[], report?: (p: SettingProblem) => void): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const kw = w.value;
    switch (kw) {
      case 'backup': into.backup = true; continue;
      case 'no-backup': into.backup = false; continue;
      case 'disabled': into.disabled = true; continue;
      case 'enabled': into.disabled = false; continue;
      case 'check': into.check = true; continue;
      case 'no-check': into.check = false; continue;
      case 'weight': {
        const value = words[i + 1];
        into.weight = readWeight(w, value, report);
        i++;
        continue;
      }
      case 'observe':
        into.observe = words[i + 1]?.value !== 'none';
        i++;
        continue;
      case 'track':
        into.track = words[i + 1];
        i++;
        continue;
      case 'source':
        i += sourceArgumentCount(words, i);
        continue;
      default:
        if (ONE_ARGUMENT.has(kw)) i++;
        else if (kw.startsWith('set-proxy-v2-tlv-fmt(')) i++;
    }
  }
}

/**
 * Read a weight the way HAProxy does (C `atol`: leading digits, the rest ignored) and report what it would
 * reject (outside 0–256) or silently misread (not a plain integer).
 */
function readWeight(kw: Word, value: Word | undefined, report?: (p: SettingProblem) => void): number {
  if (!value) {
    report?.({ word: kw, message: "'weight' expects an integer argument between 0 and 256." });
    return DEFAULT_SERVER_SETTINGS.weight;
  }
  if (value.hasVariable) return DEFAULT_SERVER_SETTINGS.weight;
  const m = /^\s*([+-]?\d+)/.exec(value.value);
  const n = m ? Number(m[1]) : 0;
  if (!/^[+-]?\d+$/.test(value.value)) {
    report?.({ word: value, message: `Weight "${value.value}" is not an integer; HAProxy reads it as ${n}.` });
  } else if (n < 0 || n > MAX_WEIGHT) {
    report?.({ word: value, message: `Weight ${value.value} is not within 0 and ${MAX_WEIGHT}.` });
  }
  return Math.max(0, Math.min(MAX_WEIGHT, n));
}

/** `source <addr>[:<port>] [usesrc <addr>] [interface <name>]`: how many words follow `source`. */
function sourceArgumentCount(words: readonly Word[], i: number): number {
  let n = 1;
  while (words[i + n + 1] && (words[i + n + 1].value === 'usesrc' || words[i + n + 1].value === 'interface')) n += 2;
  return n;
}

/** The model state of a server. A disabled server gets no traffic, even as a backup. */
export function serverState(s: ServerSettings): Server['state'] {
  return s.disabled ? 'disabled' : s.backup ? 'backup' : 'active';
}

/** Address prefixes of HAProxy's address syntax (manual "11. Address formats") that denote local sockets. */
const SOCKET_PREFIX = /^(unix|abns|abnsz|fd|sockpair)@/i;
/** Prefixes that only select a family or transport; the address after them is a host. */
const FAMILY_PREFIX = /^(ipv4|ipv6|tcp|tcp4|tcp6|udp|udp4|udp6|quic4|quic6|mptcp|mptcp4|mptcp6)@/i;

/** The address without a family prefix, as used for classification and duplicate detection. */
export function hostPart(address: string): string {
  return address.replace(FAMILY_PREFIX, '');
}

/** Whether the address designates a local socket rather than a network host. */
export function isSocketAddress(address: string): boolean {
  return SOCKET_PREFIX.test(address) || address.startsWith('/');
}

/** Reverse-HTTP servers (`rhttp@name`) have no address: connections come from the other side. */
export function isReverseAddress(address: string): boolean {
  return /^rhttp@/i.test(address);
}
