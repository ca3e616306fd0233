import type { PreviewFile } from '../service/types';

const BAR = 24;

const pctText = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(6);

function bar(share: number): string {
  const n = Math.round(share * BAR);
  return '█'.repeat(n) + '·'.repeat(BAR - n);
}

/** A readable table: one block per route, one row per server with a bar and its share. */
export function renderPreviewText(file: PreviewFile, failed: readonly string[]): string {
  const out: string[] = [`${file.path} (${file.format})${failed.length ? ` — simulating failure of ${failed.join(', ')}` : ''}`];
  if (file.routes.length === 0) out.push('  no routes send traffic to servers');
  for (const r of file.routes) {
    out.push('', `  ${r.name}${r.entry ? `  [${r.entry}]` : ''}  line ${r.line}${r.pool ? `  → ${r.pool}` : ''}`);
    const nameWidth = Math.max(6, ...r.servers.map((s) => s.name.length));
    const addrWidth = Math.max(7, ...r.servers.map((s) => (s.name === s.address ? 0 : s.address.length)));
    for (const s of r.servers) {
      const state = s.failed ? 'failed' : s.state === 'active' ? '' : s.state;
      const addr = s.name === s.address ? '' : s.address;
      out.push(`    ${s.name.padEnd(nameWidth)}  ${addr.padEnd(addrWidth)}  ${bar(s.share)} ${pctText(s.share)}${state ? `  (${state})` : ''}`);
    }
    for (const n of r.notes) out.push(`    note: ${n}`);
    for (const f of r.findings) out.push(`    ${f.severity} ${f.ruleId}: ${f.message}`);
  }
  return out.join('\n');
}
