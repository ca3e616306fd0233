/**
 * The routing engine's cost on configs with 2,000 routes: LB106 proofs (a cold analysis, then a warm one as after
 * a keystroke: proofs are cached by condition), example requests for every route, and 10k `route` evaluations.
 * In process, through the language service (`npm run bench -- routing`).
 */
import { analyzeModel } from '../server/src/analysis/analyze';
import { routeRequest } from '../server/src/analysis/routing/engine';
import { parseRequest, type Request } from '../server/src/analysis/routing/request';
import { exampleRequest } from '../server/src/analysis/routing/shadowing';
import { haproxyFormat } from '../server/src/formats/haproxy';
import { nginxFormat } from '../server/src/formats/nginx';
import { NO_FILES } from '../server/src/formats/types';
import type { TrafficModel } from '../server/src/model/types';

const ROUTES = 2000;
const REQUESTS = 10_000;

/** One server block with 1,600 prefix locations and 400 regex locations (every tenth one shadowed). */
export function nginxRoutes(n = ROUTES): string {
  const out = ['events {}', 'http {', '  upstream app { server 10.0.0.1:80; server 10.0.0.2:80; }', '  upstream api { server 10.0.1.1:80; server 10.0.1.2:80; }', '  server {', '    listen 80;', '    server_name shop.example.com;'];
  for (let i = 0; i < n; i++) {
    if (i % 5 === 4) out.push(`    location ~ ^/r${i}/(a|b)[0-9]+\\.json$ { proxy_pass http://api; }`);
    // A regex nginx checks before using the prefix location /p{i-1}/: that location can never be used (LB106).
    else if (i % 10 === 3) out.push(`    location ~ ^/p${i - 1}/ { proxy_pass http://api; }`);
    else out.push(`    location /p${i}/ { proxy_pass http://app; }`);
  }
  out.push('    location / { proxy_pass http://app; }', '  }', '}');
  return `${out.join('\n')}\n`;
}

/** One frontend with 2,000 use_backend rules on path_beg / hdr ACLs (every tenth one shadowed by an earlier one). */
export function haproxyRoutes(n = ROUTES): string {
  const out = ['global', 'defaults', '  mode http', '  timeout connect 5s', '  timeout client 5s', '  timeout server 5s', 'frontend fe', '  bind :80'];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) out.push(`  use_backend be_b if { path_beg /p${i - 1}/deeper }`);
    else if (i % 3 === 0) out.push(`  use_backend be_a if { hdr(host) -i site${i}.example.com } { path_beg /x }`);
    else out.push(`  use_backend be_a if { path_beg /p${i}/ }`);
  }
  out.push('  default_backend be_b');
  out.push('backend be_a', '  server a1 10.0.0.1:80', '  server a2 10.0.0.2:80', 'backend be_b', '  server b1 10.0.1.1:80');
  return `${out.join('\n')}\n`;
}

function measure(name: string, parse: () => TrafficModel): string {
  const t0 = performance.now();
  const model = parse();
  const parseMs = performance.now() - t0;
  const t1 = performance.now();
  const cold = analyzeModel(model);
  const coldMs = performance.now() - t1;
  const t2 = performance.now();
  const warm = analyzeModel(parse());
  const warmMs = performance.now() - t2;
  const lb106 = warm.diagnostics.filter((d) => d.ruleId === 'LB106').length;
  const coldLb106 = cold.diagnostics.filter((d) => d.ruleId === 'LB106').length;
  const t3 = performance.now();
  const requests: Request[] = [];
  let examples = 0;
  for (const r of warm.model.routes) {
    const ex = exampleRequest(warm.model, warm.index, r).request;
    if (ex) {
      requests.push(ex);
      examples++;
    }
  }
  const exampleMs = performance.now() - t3;
  if (requests.length === 0) requests.push(parseRequest('GET http://shop.example.com/'));
  const t4 = performance.now();
  let routed = 0;
  for (let i = 0; i < REQUESTS; i++) if (routeRequest(warm.model, warm.index, requests[i % requests.length]).some((x) => x.route)) routed++;
  const routeMs = performance.now() - t4;
  return `| ${name} | ${warm.model.routes.length} | ${parseMs.toFixed(0)} ms | ${coldMs.toFixed(0)} ms (${coldLb106} LB106) | ${warmMs.toFixed(0)} ms (${lb106} LB106) | ${examples} in ${exampleMs.toFixed(0)} ms | ${(routeMs / REQUESTS * 1000).toFixed(0)} µs (${routed}/${REQUESTS} routed) |`;
}

export function benchRouting(): void {
  console.log('\nRouting engine, 2,000 routes (in process):');
  console.log('| config | routes | parse | analysis cold (LB106 proofs) | analysis warm | example requests | one `route` evaluation |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const nginx = nginxRoutes();
  console.log(measure('nginx, 1 server, 2,000 locations', () => nginxFormat.parse('file:///bench/nginx.conf', nginx, NO_FILES)));
  const haproxy = haproxyRoutes();
  console.log(measure('HAProxy, 2,000 use_backend', () => haproxyFormat.parse('file:///bench/haproxy.cfg', haproxy, NO_FILES)));
}
