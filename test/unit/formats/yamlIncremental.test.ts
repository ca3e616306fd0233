/**
 * Partial re-parsing inside one YAML document (`server/src/formats/yaml/incremental.ts`): a splice must give exactly
 * the tree of a fresh full parse — same `toJS()` values, same node ranges, scalar styles, blank-line and comment
 * markers, same errors — and fall back to a full parse whenever it could not. Differential test over random edits
 * of generated Envoy-like and Kubernetes-like documents (and of the corpus's YAML files), then one test per
 * fallback trigger. Longer runs: `YAML_SPLICE_SEEDS=60 YAML_SPLICE_EDITS=100` (prints the fallback reasons);
 * `YAML_SPLICE_DUMP=<dir>` writes the texts of a failing splice to `<dir>/splice.json`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { spliceParse, textEdit, YAML_PARSE_OPTIONS } from '../../../server/src/formats/yaml/incremental';
import { incrementalOptions, loadYaml, parseStats } from '../../../server/src/formats/yaml/yamlFile';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../../helpers/corpus';
import { rng } from '../../helpers/randomEdits';

const full = (text: string): Document.Parsed => parseDocument(text, YAML_PARSE_OPTIONS);

// ---- tree comparison ----

const PROPS = ['type', 'source', 'format', 'tag', 'anchor', 'flow', 'spaceBefore', 'commentBefore', 'comment', 'minFractionDigits'] as const;

/** Every node of both trees, side by side: kind, range, value and the properties a full parse sets. */
function sameTree(a: unknown, b: unknown, path: string): void {
  if (a === null || a === undefined || b === null || b === undefined) {
    assert.equal(a ?? null, b ?? null, `${path}: presence`);
    return;
  }
  if (isPair(a) || isPair(b)) {
    assert.ok(isPair(a) && isPair(b), `${path}: pair`);
    sameTree(a.key, b.key, `${path}.key`);
    sameTree(a.value, b.value, `${path}.value`);
    return;
  }
  const x = a as Record<string, unknown> & { range?: number[]; items?: unknown[] };
  const y = b as Record<string, unknown> & { range?: number[]; items?: unknown[] };
  assert.equal(isScalar(x), isScalar(y), `${path}: scalar`);
  assert.equal(isMap(x), isMap(y), `${path}: map`);
  assert.equal(isSeq(x), isSeq(y), `${path}: seq`);
  assert.deepEqual(x.range, y.range, `${path}: range`);
  for (const p of PROPS) assert.equal(x[p] ?? undefined, y[p] ?? undefined, `${path}: ${p}`);
  if (isScalar(x)) assert.deepEqual(x.value, y.value, `${path}: value`);
  else {
    assert.equal(x.items!.length, y.items!.length, `${path}: item count`);
    x.items!.forEach((it, k) => sameTree(it, y.items![k], `${path}[${k}]`));
  }
}

function sameDocument(spliced: Document.Parsed, reference: Document.Parsed): void {
  assert.deepEqual(spliced.toJS({ mapAsMap: true }), reference.toJS({ mapAsMap: true }));
  assert.deepEqual(spliced.range, reference.range);
  assert.deepEqual(spliced.errors.map((e) => [e.code, e.pos]), reference.errors.map((e) => [e.code, e.pos]));
  assert.equal(spliced.warnings.length, reference.warnings.length);
  assert.equal(spliced.comment ?? null, reference.comment ?? null);
  assert.equal(spliced.commentBefore ?? null, reference.commentBefore ?? null);
  sameTree(spliced.contents, reference.contents, '$');
}

/** A snapshot of every range and value, to check that a splice leaves its base document alone. */
function snapshot(doc: Document.Parsed): string {
  const out: unknown[] = [];
  const walk = (n: unknown) => {
    if (isPair(n)) {
      walk(n.key);
      walk(n.value);
    } else if (isScalar(n)) out.push(n.range, n.value, n.spaceBefore);
    else if (isMap(n) || isSeq(n)) {
      out.push(n.range, n.items.length, n.spaceBefore);
      n.items.forEach(walk);
    }
  };
  walk(doc.contents);
  return JSON.stringify([out, doc.range]);
}

// ---- generated documents ----

function envoyDoc(r: () => number, services: number): string {
  const routes: string[] = [];
  const clusters: string[] = [];
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < services; i++) {
    const match = pick([`prefix: "/svc-${i}/"`, `path: /exact-${i}`, `safe_regex:\n                    regex: "^/r${i}/.*"`]);
    const action = r() < 0.7
      ? `route:\n                  cluster: svc-${i}\n                  timeout: ${i % 7}s`
      : `route:\n                  weighted_clusters:\n                    clusters:\n                    - name: svc-${i}\n                      weight: 70\n                    - name: 'svc-${i}-b'\n                      weight: 30`;
    routes.push(`${r() < 0.15 ? '\n' : ''}              - match:\n                  ${match}\n                ${action}`);
    const eps = [1, 2]
      .map((k) => `        - endpoint:\n            address:\n              socket_address: {address: 10.0.${i}.${k}, port_value: 80${k}0}\n          load_balancing_weight: ${k * 3}`)
      .join('\n');
    const extra = pick([
      '', '\n    http2_protocol_options: {}', '\n    dns_lookup_family: V4_ONLY', '\n    metadata:\n      empty:',
      '\n    circuit_breakers:\n      thresholds:\n      - priority: HIGH\n        max_connections: 1000\n        retry_budget: {budget_percent: {value: 25.50}}',
      '\n    # how endpoints are found\n    respect_dns_ttl: true', '\n    transport_socket_matches:\n    - - a\n      - b\n    -\n    - null',
    ]);
    clusters.push(
      `${r() < 0.2 ? '\n' : ''}  - name: svc-${i}\n    type: ${pick(['STATIC', 'STRICT_DNS', '"LOGICAL_DNS"'])}\n    lb_policy: ROUND_ROBIN\n    connect_timeout: 0.25s${r() < 0.2 ? '  # fast' : ''}${extra}\n    load_assignment:\n      cluster_name: svc-${i}\n      endpoints:\n      - lb_endpoints:\n${eps}`,
    );
  }
  return `static_resources:
  listeners:
  - name: ingress
    address:
      socket_address:
        address: 0.0.0.0
        port_value: 10000
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: local_route
            virtual_hosts:
            - name: all
              domains: ["*", 'example.com']
              routes:
${routes.join('\n')}
  clusters:
${clusters.join('\n')}
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }
`;
}

function kubernetesDoc(r: () => number, items: number): string {
  const out: string[] = ['apiVersion: v1', 'kind: List', 'items:'];
  for (let i = 0; i < items; i++) {
    if (r() < 0.2) out.push('');
    if (r() < 0.1) out.push(`  # item ${i}`);
    if (r() < 0.5) {
      out.push(
        '  - apiVersion: networking.k8s.io/v1',
        '    kind: Ingress',
        '    metadata:',
        `      name: ing-${i}`,
        '      annotations:',
        `        nginx.ingress.kubernetes.io/rewrite-target: /$${i % 3}`,
        '    spec:',
        '      rules:',
        `        - host: "h${i}.example.com"`,
        '          http:',
        '            paths:',
        `              - path: /p${i}`,
        '                pathType: Prefix',
        '                backend:',
        '                  service:',
        `                    name: svc-${i}`,
        '                    port:',
        `                      number: ${8000 + i}`,
      );
    } else {
      out.push(
        '  - apiVersion: v1',
        '    kind: Service',
        '    metadata:',
        `      name: svc-${i}`,
        `      labels: {app: a${i}, tier: "web"}`,
        '    spec:',
        '      selector:',
        `        app: a${i}`,
        '      ports:',
        `      - port: ${8000 + i}`,
        '        targetPort: 8080',
        "        name: 'http'",
        '      - port: 443',
        '        protocol: TCP',
        '      clusterIP:',
        ...(r() < 0.3 ? ['      sessionAffinityConfig:', '          clientIP:', '            timeoutSeconds: 10800'] : []),
      );
    }
  }
  return `${out.join('\n')}\n`;
}

// ---- random edits ----

const CHARS = [' ', ' ', '\n', '-', ':', 'a', 'b', '1', '0', '.', '"', "'", '#', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', '?', '\t', '%', '@', 'x: 1', '- y'];

/** One random edit: characters or lines inserted, deleted, replaced, moved. */
function randomEdit(r: () => number, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const roll = r();
  const chars = () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => CHARS[Math.floor(r() * CHARS.length)]).join('');
  if (roll < 0.3) return text.slice(0, at) + chars() + text.slice(at);
  if (roll < 0.5) return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 3));
  if (roll < 0.65) return text.slice(0, at) + chars() + text.slice(at + 1);
  // Whole lines: delete one, duplicate one elsewhere, or change its indentation.
  const lines = text.split('\n');
  const l = Math.floor(r() * lines.length);
  if (roll < 0.75) lines.splice(l, 1);
  else if (roll < 0.88) lines.splice(Math.floor(r() * lines.length), 0, lines[l]);
  else lines[l] = r() < 0.5 ? ` ${lines[l]}` : lines[l].replace(/^ /, '');
  return lines.join('\n');
}

/** Keystrokes typing a new entry after a random last line of an entry, at that entry's indentation. */
function typingSequence(r: () => number, text: string): string[] {
  const lines = text.split('\n');
  const indent = (l: string) => l.length - l.trimStart().length;
  const leaves = lines.flatMap((l, k) => (/^ *(- )?[a-z_]+: \S/.test(l) && indent(lines[k + 1] ?? '') <= indent(l) ? [k] : []));
  const k = leaves[Math.floor(r() * leaves.length)];
  const pad = ' '.repeat(indent(lines[k]));
  const typed = lines[k].trimStart().startsWith('- ') ? `\n${pad}- name: new-item\n${pad}  weight: 5` : `\n${pad}new_key: [1, 2]\n${pad}other: "v"`;
  const lineEnd = lines.slice(0, k + 1).join('\n').length;
  const out: string[] = [];
  for (let n = 1; n <= typed.length; n++) out.push(text.slice(0, lineEnd) + typed.slice(0, n) + text.slice(lineEnd));
  return out;
}

interface Tally {
  spliced: number;
  fallbacks: Map<string, number>;
}

/** Parse `next` from the previous version; when spliced it must equal the full parse. Returns the next base. */
function step(prev: { text: string; doc: Document.Parsed }, next: string, tally: Tally, label: string): { text: string; doc: Document.Parsed } {
  const before = snapshot(prev.doc);
  const r = spliceParse(prev.text, prev.doc, next);
  const reference = full(next);
  assert.equal(snapshot(prev.doc), before, `${label}: the base document was modified`);
  if ('fallback' in r) {
    tally.fallbacks.set(r.fallback, (tally.fallbacks.get(r.fallback) ?? 0) + 1);
    return { text: next, doc: reference };
  }
  tally.spliced++;
  try {
    sameDocument(r.document, reference);
  } catch (e) {
    // YAML_SPLICE_DUMP=dir keeps both texts of a failing splice for debugging.
    if (process.env.YAML_SPLICE_DUMP) writeFileSync(`${process.env.YAML_SPLICE_DUMP}/splice.json`, JSON.stringify({ old: prev.text, new: next }));
    const edit = textEdit(prev.text, next)!;
    const show = (t: string, s: number, end: number) => JSON.stringify(t.slice(Math.max(0, s - 120), end + 120));
    throw new Error(`${label}: splice differs from a full parse\nold: ${show(prev.text, edit.start, edit.oldEnd)}\nnew: ${show(next, edit.start, edit.newEnd)}\nre-parsed ${JSON.stringify(r.fragment)}\n${(e as Error).message}`);
  }
  // Chain the spliced document: later edits splice into it, as in an editing session.
  return { text: next, doc: r.document };
}

function session(kind: 'envoy' | 'kubernetes' | 'crlf', seed: number, edits: number, tally: Tally): void {
  const r = rng(seed);
  const original = kind === 'envoy' ? envoyDoc(r, 6) : kind === 'kubernetes' ? kubernetesDoc(r, 10) : envoyDoc(r, 6).replace(/\n/g, '\r\n');
  let cur = { text: original, doc: full(original) };
  let lastValid = cur;
  for (let e = 0; e < edits; e++) {
    const label = `${kind} seed ${seed} edit ${e}`;
    const broken = cur.doc.errors.length > 0;
    if (r() < 0.1) {
      for (const [k, t] of typingSequence(r, cur.text).entries()) cur = step(cur, t, tally, `${label} keystroke ${k}`);
    } else cur = step(cur, randomEdit(r, cur.text), tally, label);
    // A document with errors is never a splice base: most edits that break the document are undone, the others
    // kept for one more edit (as a user's typo would be), so that the session keeps exercising splices.
    if (!cur.doc.errors.length) lastValid = cur;
    else if (broken || r() < 0.8) cur = lastValid;
  }
}

describe('YAML partial re-parsing: differential test against full parses', () => {
  it('real YAML files of the corpus: random one-character edits', { skip: CORPUS_SKIP }, () => {
    const r = rng(42);
    const tally: Tally = { spliced: 0, fallbacks: new Map() };
    for (const format of ['envoy', 'istio', 'k8s-gateway', 'traefik', 'aws-alb']) {
      for (const row of corpusFiles(format)) {
        if (!/\.ya?ml$/.test(row.localPath)) continue;
        // Documents as `loadYaml` cuts them.
        for (const text of readFileSync(corpusPath(row.localPath), 'utf8').split(/^(?=---(?:[ \t].*)?$)/m)) {
          const base = { text, doc: full(text) };
          for (let e = 0; e < 3; e++) {
            const at = Math.floor(r() * (text.length + 1));
            const c = CHARS[Math.floor(r() * 12)];
            const next = r() < 0.5 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + c + text.slice(at + 1);
            step(base, next, tally, `${row.localPath} at ${at}`);
          }
        }
      }
    }
    assert.ok(tally.spliced > 1000, `only ${tally.spliced} splices`);
  });

  for (const [kind, title] of [['envoy', 'Envoy-like documents'], ['kubernetes', 'Kubernetes-like documents'], ['crlf', 'CRLF line endings']] as const) {
    it(`${title}: every splice equals a full parse (random edits and typed items)`, () => {
      const tally: Tally = { spliced: 0, fallbacks: new Map() };
      const seeds = (Number(process.env.YAML_SPLICE_SEEDS) || 4) / (kind === 'crlf' ? 2 : 1);
      for (let seed = 1; seed <= seeds; seed++) session(kind, seed * 7919 + kind.length, Number(process.env.YAML_SPLICE_EDITS) || 70, tally);
      const fell = [...tally.fallbacks.values()].reduce((a, b) => a + b, 0);
      // The test means something only if most edits were spliced (and some were refused).
      assert.ok(tally.spliced > (kind === 'crlf' ? 150 : 300), `only ${tally.spliced} splices (${fell} fallbacks: ${JSON.stringify([...tally.fallbacks])})`);
      assert.ok(fell > 20, `only ${fell} fallbacks`);
      if (process.env.YAML_SPLICE_SEEDS) console.log(tally.spliced, [...tally.fallbacks].sort((a, b) => b[1] - a[1]));
    });
  }
});

// ---- hand-written cases ----

const BASE = `static_resources:
  clusters:
  - name: a
    type: STATIC
    load_assignment:
      cluster_name: a
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: 10.0.0.1
                port_value: 8080
  - name: b
    type: STRICT_DNS
    tls: false
    opts:
      x: 1
      y: 2
    connect_timeout: 1s
  - name: c
    type: STATIC
admin:
  access_log_path: /dev/null
`;

/** The splice of `next` from `prev` must succeed and equal a full parse; returns the re-parsed text. */
function spliced(prev: string, next: string): string {
  const base = full(prev);
  const before = snapshot(base);
  const r = spliceParse(prev, base, next);
  assert.ok('document' in r, `expected a splice, got: ${'fallback' in r ? r.fallback : ''}`);
  sameDocument(r.document, full(next));
  assert.equal(snapshot(base), before, 'the base document was modified');
  return next.slice(r.fragment[0], r.fragment[1]);
}

/** The splice must refuse, for the expected reason. */
function refused(prev: string, next: string, reason: RegExp): void {
  const r = spliceParse(prev, full(prev), next);
  assert.ok('fallback' in r, `expected a fallback, got a splice of ${'fragment' in r ? JSON.stringify(r.fragment) : ''}`);
  assert.match(r.fallback, reason);
}

const edit = (text: string, from: string, to: string) => {
  assert.ok(text.includes(from), from);
  return text.replace(from, to);
};

describe('YAML partial re-parsing: what is re-parsed', () => {
  it('a digit of a port re-parses only its line, and keeps the nodes before the edit', () => {
    assert.equal(spliced(BASE, edit(BASE, '8080', '8081')), '                port_value: 8081\n');
    const prev = full(BASE);
    const r = spliceParse(BASE, prev, edit(BASE, 'port_value: 8080', 'port_value: 80801'));
    assert.ok('document' in r);
    const first = (d: Document.Parsed) => (d.contents as { items: unknown[] }).items[0];
    assert.equal(first(r.document) === first(prev), false, 'the path to the edit is copied');
    const clustersOf = (d: Document.Parsed) => (d.getIn(['static_resources', 'clusters'], true) as { items: unknown[] }).items;
    assert.equal(clustersOf(r.document)[1] === clustersOf(prev)[1], false, 'items after a length-changing edit are shifted copies');
    assert.equal(clustersOf(r.document)[0] === clustersOf(prev)[0], false);
    const same = spliceParse(BASE, prev, edit(BASE, 'x: 1', 'x: 7'));
    assert.ok('document' in same);
    assert.equal(clustersOf(same.document)[0], clustersOf(prev)[0], 'items before the edit are shared');
    assert.equal(clustersOf(same.document)[2], clustersOf(prev)[2], 'an edit that keeps the length shares the items after it too');
  });

  it('typing a new sequence item in the middle, keystroke by keystroke, re-parses the neighbouring items', () => {
    // Enter at the end of item b's last line, then the new item.
    const typed = '\n  - name: n\n    type: STATIC';
    const at = BASE.indexOf('\n  - name: c');
    let prev = BASE;
    let splices = 0;
    for (let k = 1; k <= typed.length; k++) {
      const next = BASE.slice(0, at) + typed.slice(0, k) + BASE.slice(at);
      const r = spliceParse(prev, full(prev), next);
      if ('document' in r) {
        sameDocument(r.document, full(next));
        assert.ok(r.fragment[1] - r.fragment[0] < 160, `keystroke ${k} re-parsed ${JSON.stringify(r.fragment)}`);
        splices++;
      } else assert.ok(full(next).errors.length > 0 || full(prev).errors.length > 0, `keystroke ${k} fell back: ${r.fallback}`);
      prev = next;
    }
    // Only the keystrokes that leave a half-typed key (an error until its `:`) and the one after need a full parse.
    assert.ok(splices >= typed.length - 12, `${splices} of ${typed.length} keystrokes spliced`);
    assert.deepEqual((full(prev).getIn(['static_resources', 'clusters', 2]) as { toJSON(): unknown }).toJSON(), { name: 'n', type: 'STATIC' });
  });

  it('a new last item and a deleted item', () => {
    const appended = edit(BASE, '    type: STATIC\nadmin:', '    type: STATIC\n  - name: d\n    type: EDS\nadmin:');
    assert.match(spliced(BASE, appended), /- name: d\n {4}type: EDS\n$/);
    const deleted = edit(BASE, '  - name: c\n    type: STATIC\n', '');
    assert.match(spliced(BASE, deleted), /connect_timeout: 1s\n$/);
  });

  it('a line that leaves its item for the enclosing one re-parses the enclosing item', () => {
    const next = edit(BASE, '      y: 2', '    y: 2');
    assert.equal(spliced(BASE, next), '    opts:\n      x: 1\n    y: 2\n');
  });

  it('blank lines before and after the edited item keep their markers (spaceBefore)', () => {
    const spaced = edit(edit(BASE, '  - name: b', '\n  - name: b'), '  - name: c', '\n\n  - name: c');
    spliced(spaced, edit(spaced, 'connect_timeout: 1s', 'connect_timeout: 2s'));
    spliced(spaced, edit(spaced, 'type: STRICT_DNS', 'type: LOGICAL_DNS'));
  });

  it('CRLF line endings', () => {
    const crlf = BASE.replace(/\n/g, '\r\n');
    assert.equal(spliced(crlf, edit(crlf, '8080', '9090')), '                port_value: 9090\r\n');
  });
});

describe('YAML partial re-parsing: fallbacks to a full parse', () => {
  it('flow (JSON) documents', () => {
    const json = '{"static_resources": {"clusters": [{"name": "a", "type": "STATIC"}, {"name": "b"}]}}\n';
    refused(json, edit(json, 'STATIC', 'EDS'), /not a block collection/);
  });

  it('anchors, aliases and merge keys anywhere in the document', () => {
    refused(`${BASE}defaults: &d {type: STATIC}\n`, edit(`${BASE}defaults: &d {type: STATIC}\n`, '8080', '8081'), /anchors/);
    refused(`${BASE}other: *x\n`, edit(`${BASE}other: *x\n`, '8080', '8081'), /anchors/);
    const merge = edit(BASE, '    type: STATIC\nadmin', '    <<: {type: STATIC}\nadmin');
    refused(merge, edit(merge, '8080', '8081'), /anchors/);
    refused(BASE, edit(BASE, 'type: STRICT_DNS', 'type: &t STRICT_DNS'), /anchor/);
  });

  it('tags, block scalars, explicit keys, tabs in the edited lines', () => {
    refused(BASE, edit(BASE, 'type: STRICT_DNS', 'type: !!str STRICT_DNS'), /tag/);
    const block = edit(BASE, '    connect_timeout: 1s', '    description: |\n      text\n    connect_timeout: 1s');
    refused(block, edit(block, '      text', '      texts'), /block scalar/);
    refused(BASE, edit(BASE, '    connect_timeout: 1s', '    ? connect_timeout\n    : 1s'), /explicit key/);
    refused(BASE, edit(BASE, 'connect_timeout: 1s', 'connect_timeout:\t1s'), /tab/);
  });

  it('multi-line scalars and flow collections in the edited lines', () => {
    const plain = edit(BASE, '    connect_timeout: 1s', '    description: two\n      lines\n    connect_timeout: 1s');
    refused(plain, edit(plain, 'lines', 'line'), /neither an entry nor a key/);
    const quoted = edit(BASE, '    connect_timeout: 1s', '    description: "two\n      lines"\n    connect_timeout: 1s');
    refused(quoted, edit(quoted, 'lines', 'line'), /multi-line quoted scalar/);
    const flow = edit(BASE, '    connect_timeout: 1s', '    domains: [a,\n      b]\n    connect_timeout: 1s');
    refused(flow, edit(flow, '      b]', '      c]'), /multi-line flow collection/);
  });

  it('comments in, just before or just after the edited item', () => {
    refused(BASE, edit(BASE, 'port_value: 8080', 'port_value: 8080 # main'), /comment in the edited lines/);
    const before = edit(BASE, '  - name: b', '  # the b cluster\n  - name: b');
    refused(before, edit(before, 'name: b', 'name: bb'), /comment before/);
    const after = edit(BASE, '    connect_timeout: 1s', '    connect_timeout: 1s\n  # end of b');
    refused(after, edit(after, '1s', '2s'), /comment after/);
  });

  it('directives and document end markers', () => {
    refused(`%YAML 1.2\n---\n${BASE}`, `%YAML 1.2\n---\n${edit(BASE, '8080', '8081')}`, /directives or document end markers/);
    refused(`${BASE}...\n`, `${edit(BASE, '8080', '8081')}...\n`, /directives or document end markers/);
  });

  it('errors: in the previous document, in the edited item, a duplicate key outside the item', () => {
    const broken = `${BASE}admin: again\n`;
    refused(broken, edit(broken, '8080', '8081'), /errors in the previous document/);
    refused(BASE, edit(BASE, 'port_value: 8080', 'port_value: 80: 80'), /errors in the edited item/);
    const duplicate = edit(BASE, 'tls: false', 'type: false');
    refused(BASE, duplicate, /duplicate key/);
    assert.ok(full(duplicate).errors.length > 0);
  });

  it('an empty value followed by a blank line (the blank line marks the empty node)', () => {
    const spaced = edit(BASE, '  - name: c', '\n  - name: c');
    refused(spaced, edit(spaced, 'connect_timeout: 1s', 'connect_timeout:'), /empty value before a blank line/);
  });

  it('an edit that leaves no enclosing item smaller than half the document', () => {
    refused(BASE, edit(BASE, 'static_resources:', 'static_resource:'), /not inside a block collection item|most of the document/);
  });
});

describe('loadYaml: partial re-parsing of large documents', () => {
  it('splices a large document from the previous version, with the same ranges as a full parse', () => {
    const big = envoyDoc(rng(5), 120);
    const { minLines } = incrementalOptions;
    try {
      incrementalOptions.minLines = 1000;
      const before = loadYaml(big);
      const at = before.docs[0].offsets((before.docs[0].document.getIn(['static_resources', 'clusters', 100, 'name'], true) as never));
      const spliced0 = parseStats.spliced;
      const next = `${big.slice(0, at[0])}renamed-${big.slice(at[0])}`;
      const after = loadYaml(next);
      assert.equal(parseStats.spliced, spliced0 + 1, parseStats.lastFallback);
      sameDocument(after.docs[0].document, full(next));
      assert.equal((after.docs[0].document.getIn(['static_resources', 'clusters', 100, 'name'])), 'renamed-svc-100');
      // The earlier file still reads its own text.
      assert.deepEqual(before.docs[0].offsets(before.docs[0].document.getIn(['static_resources', 'clusters', 100, 'name'], true) as never), at);
      // Documents under the threshold are parsed in full.
      incrementalOptions.minLines = 1_000_000;
      const full0 = parseStats.spliced;
      loadYaml(next.replace('renamed-', 'again-'));
      assert.equal(parseStats.spliced, full0);
    } finally {
      incrementalOptions.minLines = minLines;
    }
  });

  it('in a multi-document file only the edited document is re-parsed, spliced when large', () => {
    const big = kubernetesDoc(rng(9), 60);
    const text = `kind: A\n---\n${big}---\nkind: B\n`;
    const { minLines } = incrementalOptions;
    try {
      incrementalOptions.minLines = 500;
      loadYaml(text);
      const s0 = parseStats.spliced;
      const next = text.replace('name: svc-30', 'name: svc-thirty');
      const file = loadYaml(next);
      assert.equal(parseStats.spliced, s0 + 1, parseStats.lastFallback);
      assert.equal(file.docs.length, 3);
      sameDocument(file.docs[1].document, full(next.slice(file.docs[1].base, next.lastIndexOf('---'))));
      assert.deepEqual(file.errors, []);
    } finally {
      incrementalOptions.minLines = minLines;
    }
  });
});
