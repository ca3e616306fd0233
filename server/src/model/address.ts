import type { Server } from './types';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Split `host:port`, `[v6]:port`, `v6` into host and port (port undefined when absent). */
export function splitHostPort(address: string): { host: string; port?: string } {
  const a = address.trim();
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    if (close > 0) {
      const rest = a.slice(close + 1);
      return { host: a.slice(1, close), port: rest.startsWith(':') ? rest.slice(1) : undefined };
    }
  }
  const colons = (a.match(/:/g) ?? []).length;
  if (colons === 1) {
    const i = a.indexOf(':');
    return { host: a.slice(0, i), port: a.slice(i + 1) || undefined };
  }
  return { host: a }; // bare host, or a bare IPv6 literal (several colons)
}

/** Classify an address as written (`unix:` prefix and `$variables` included). */
export function classifyAddress(address: string): Server['kind'] {
  const a = address.trim();
  if (/\$|%\[|\$\{/.test(a)) return 'dynamic';
  if (/^unix:/i.test(a) || a.startsWith('/') || a.startsWith('@')) return 'unix';
  const { host } = splitHostPort(a);
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h.startsWith('127.') && IPV4.test(h)) return 'loopback';
  if (IPV4.test(h) || h.includes(':') || h === '*' || h === '') return 'ip';
  return 'hostname';
}

/** The normalised identity of an address: lower case, default port made explicit. */
export function addressKey(address: string, defaultPort?: string): string {
  const a = address.trim();
  if (/^unix:/i.test(a)) return a;
  const { host, port } = splitHostPort(a);
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = port ?? defaultPort;
  return p ? `${h.includes(':') ? `[${h}]` : h}:${p}` : h;
}
