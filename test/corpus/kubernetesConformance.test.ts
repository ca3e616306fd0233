import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CORPUS_SKIP, corpusPath } from '../helpers/corpus';
import { routes } from '../helpers/routing';

/**
 * The Gateway API conformance suite as an oracle for the routing engine: the manifests of
 * kubernetes-sigs/gateway-api `conformance/tests/*.yaml` (in the shared corpus) with the requests and the backends
 * (or 404s) that the matching `conformance/tests/*.go` test expects every conformant implementation to answer —
 * transcribed here as data. Skipped without ../shared/corpus.
 */

const DIR = 'k8s-gateway/kubernetes-sigs__gateway-api/conformance__tests__';

interface Case {
  host: string;
  path: string;
  headers?: string[];
  /** A backend Service, or a status code. */
  expect: string | number;
}

/** Route each case through the file, on the sockets of the Gateway named `gateway` (all when undefined). */
function check(file: string, gateway: string | undefined, cases: Case[]): void {
  const uri = `file:///${DIR}${file}`;
  const cfg = routes(uri, readFileSync(corpusPath(`${DIR}${file}`), 'utf8'));
  const wrong: string[] = [];
  for (const c of cases) {
    const results = cfg.all(`GET http://${c.host}${c.path}`, { headers: c.headers, port: 80 })
      .filter((r) => gateway === undefined || r.bind?.address === `gateway-conformance-infra/${gateway}`);
    const got = results.map((r) => (r.outcome === 'pool' ? r.pools.map((p) => p.pool.name.replace(/^gateway-conformance-infra\//, '')).join('+') : r.status));
    const want = [c.expect];
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${c.host}${c.path} ${JSON.stringify(c.headers ?? [])}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  assert.deepEqual(wrong, []);
}

describe('Gateway API conformance cases (kubernetes-sigs/gateway-api conformance/tests)', { skip: CORPUS_SKIP }, () => {
  it('HTTPRouteMatchingAcrossRoutes: matches of two routes with one hostname are ordered together', () => {
    check('httproute-matching-across-routes.yaml', undefined, [
      { host: 'example.com', path: '/', expect: 'infra-backend-v1' },
      { host: 'example.com', path: '/example', expect: 'infra-backend-v1' },
      { host: 'example.net', path: '/example', expect: 'infra-backend-v1' },
      { host: 'example.com', path: '/example', headers: ['Version: one'], expect: 'infra-backend-v1' },
      { host: 'example.com', path: '/v2', expect: 'infra-backend-v2' },
      { host: 'example.net', path: '/v2', expect: 'infra-backend-v1' },
      { host: 'example.com', path: '/v2/example', expect: 'infra-backend-v2' },
      { host: 'example.com', path: '/', headers: ['Version: two'], expect: 'infra-backend-v2' },
    ]);
  });

  it('HTTPRouteHostnameIntersection: routes take only the hostnames they share with their listener', () => {
    check('httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', [
      { host: 'very.specific.com', path: '/s1', expect: 'infra-backend-v1' },
      { host: 'very.specific.com:1234', path: '/s1', expect: 'infra-backend-v1' },
      { host: 'non.matching.com', path: '/s1', expect: 404 },
      { host: 'foo.nonmatchingwildcard.io', path: '/s1', expect: 404 },
      { host: 'foo.wildcard.io', path: '/s1', expect: 404 },
      { host: 'very.specific.com', path: '/non-matching-prefix', expect: 404 },
      { host: 'foo.wildcard.io', path: '/s2', expect: 'infra-backend-v2' },
      { host: 'bar.wildcard.io', path: '/s2', expect: 'infra-backend-v2' },
      { host: 'foo.bar.wildcard.io', path: '/s2', expect: 'infra-backend-v2' },
      { host: 'non.matching.com', path: '/s2', expect: 404 },
      { host: 'wildcard.io', path: '/s2', expect: 404 },
      { host: 'very.specific.com', path: '/s2', expect: 404 },
      { host: 'foo.wildcard.io', path: '/non-matching-prefix', expect: 404 },
      { host: 'very.specific.com', path: '/s3', expect: 'infra-backend-v3' },
      { host: 'non.matching.com', path: '/s3', expect: 404 },
      { host: 'foo.specific.com', path: '/s3', expect: 404 },
      { host: 'foo.wildcard.io', path: '/s3', expect: 404 },
      { host: 'very.specific.com', path: '/non-matching-prefix', expect: 404 },
      { host: 'foo.anotherwildcard.io', path: '/s4', expect: 'infra-backend-v1' },
      { host: 'bar.anotherwildcard.io', path: '/s4', expect: 'infra-backend-v1' },
      { host: 'foo.bar.anotherwildcard.io', path: '/s4', expect: 'infra-backend-v1' },
      { host: 'anotherwildcard.io', path: '/s4', expect: 404 },
      { host: 'foo.wildcard.io', path: '/s4', expect: 404 },
      { host: 'very.specific.com', path: '/s4', expect: 404 },
      { host: 'foo.anotherwildcard.io', path: '/non-matching-prefix', expect: 404 },
      { host: 'specific.but.wrong.com', path: '/s5', expect: 404 },
      { host: 'wildcard.io', path: '/s5', expect: 404 },
    ]);
    check('httproute-hostname-intersection.yaml', 'httproute-hostname-intersection-all', [
      { host: 'first.com', path: '/', expect: 'infra-backend-v2' },
      { host: 'sub.first.com', path: '/', expect: 'infra-backend-v2' },
      { host: 'second.com', path: '/', expect: 'infra-backend-v2' },
      { host: 'sub.second.com', path: '/', expect: 'infra-backend-v2' },
      { host: 'third.com', path: '/', expect: 404 },
      { host: 'sub.third.com', path: '/', expect: 404 },
    ]);
  });

  it('HTTPRouteListenerHostnameMatching: the listener with the most specific hostname takes the request', () => {
    check('httproute-listener-hostname-matching.yaml', 'httproute-listener-hostname-matching', [
      { host: 'bar.com', path: '/', expect: 'infra-backend-v1' },
      { host: 'foo.bar.com', path: '/', expect: 'infra-backend-v2' },
      { host: 'baz.bar.com', path: '/', expect: 'infra-backend-v3' },
      { host: 'boo.bar.com', path: '/', expect: 'infra-backend-v3' },
      { host: 'multiple.prefixes.bar.com', path: '/', expect: 'infra-backend-v3' },
      { host: 'multiple.prefixes.foo.com', path: '/', expect: 'infra-backend-v3' },
      { host: 'foo.com', path: '/', expect: 404 },
      { host: 'no.matching.host', path: '/', expect: 404 },
    ]);
  });
});
