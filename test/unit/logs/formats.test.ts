import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nginxLogFormats } from '../../../server/src/formats/nginx/logFormats';
import { haproxyLogCaptures } from '../../../server/src/formats/haproxy/logCaptures';
import {
  albParser, detectFormat, envoyParser, haproxyParser, jsonParser, nginxCombinedParser, nginxTemplateFormat, normaliseFormatName, traefikClfParser,
} from '../../../server/src/service/logs/formats';
import { NO_REQUEST, parseClfTime, parseIsoTime, unescapeNginx, type LogRecord } from '../../../server/src/service/logs/record';

/** The record of a line that must parse. */
function rec(r: LogRecord | string): LogRecord {
  assert.equal(typeof r, 'object', `expected a record, got: ${String(r)}`);
  return r as LogRecord;
}
const header = (r: LogRecord, name: string) => r.headers?.find(([n]) => n === name)?.[1];

describe('log formats: nginx combined (ngx_http_log_module predefined "combined")', () => {
  const p = nginxCombinedParser();

  it('reads method, path, query, time with its zone, status and user agent', () => {
    const r = rec(p.parse('203.0.113.7 - - [10/Oct/2023:13:55:36 +0200] "GET /api/users?page=2 HTTP/1.1" 200 2326 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"'));
    assert.deepEqual([r.method, r.path, r.query, r.status, r.src], ['GET', '/api/users', 'page=2', 200, '203.0.113.7']);
    assert.equal(r.time, Date.UTC(2023, 9, 10, 11, 55, 36) / 1000);
    assert.equal(header(r, 'user-agent'), 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36');
    assert.equal(header(r, 'referer'), 'https://shop.example.com/');
    assert.equal(r.host, undefined, 'combined does not log the host');
  });

  it('an IPv6 client, a user name, HTTP/2 and `-` fields', () => {
    const r = rec(p.parse('2001:db8::1 - alice [10/Oct/2023:13:55:36 -0700] "POST /login HTTP/2.0" 302 0 "-" "-"'));
    assert.deepEqual([r.method, r.path, r.src, r.status], ['POST', '/login', '2001:db8::1', 302]);
    assert.equal(header(r, 'referer'), undefined, '"-" is an absent value');
    assert.equal(r.time, Date.UTC(2023, 9, 10, 20, 55, 36) / 1000);
  });

  it('values escaped as \\xXX (log_format escape=default) are decoded, quotes inside included', () => {
    const r = rec(p.parse('198.51.100.4 - - [10/Oct/2023:13:55:36 +0000] "GET /search?q=%22x%22 HTTP/1.1" 200 5 "-" "Bot \\x22quoted\\x22 caf\\xC3\\xA9"'));
    assert.equal(header(r, 'user-agent'), 'Bot "quoted" café');
    assert.equal(unescapeNginx('a\\x5Cb'), 'a\\b');
  });

  it('an absolute request target (a forward-proxy request) gives host, port and scheme', () => {
    const r = rec(p.parse('192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET http://Shop.Example.com:8080/x?y=1 HTTP/1.1" 200 5 "-" "-"'));
    assert.deepEqual([r.host, r.port, r.scheme, r.path, r.query], ['shop.example.com', 8080, 'http', '/x', 'y=1']);
  });

  it('"-" and a TLS handshake sent to a plain port (status 400) are lines without a request, not errors', () => {
    assert.equal(p.parse('192.0.2.1 - - [10/Oct/2023:13:55:37 +0000] "-" 400 0 "-" "-"'), NO_REQUEST);
    assert.equal(p.parse('192.0.2.1 - - [10/Oct/2023:13:55:37 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"'), NO_REQUEST);
  });

  it('truncated lines, other formats and extra fields are unparseable, with a reason', () => {
    assert.match(String(p.parse('203.0.113.7 - - [10/Oct/2023:13:55:36 +0200] "GET /api/users HT')), /truncated/);
    assert.equal(typeof p.parse('{"status":200}'), 'string');
    assert.match(String(p.parse('1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" 17 "router" "http://a" 2ms')), /more fields/);
  });

  it('a very long line still parses (the reader cuts lines over 64 KiB)', () => {
    const longPath = `/${'a'.repeat(20_000)}`;
    const r = rec(p.parse(`192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET ${longPath} HTTP/1.1" 414 0 "-" "-"`));
    assert.equal(r.path.length, 20_001);
  });
});

describe('log formats: log_format declared in the nginx configuration', () => {
  const conf = `http {
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
                    'host=$host port=$server_port up="$upstream_addr" canary=$http_x_canary';
    log_format json escape=json '{"time":"$time_iso8601","remote":"$remote_addr","request":"$request",'
                                '"status":$status,"host":"$host","ua":"$http_user_agent","upstream":"$upstream_addr"}';
    access_log /var/log/nginx/access.log main;
    server { access_log /var/log/nginx/api.json.log json buffer=32k; access_log off; }
  }`;

  it('nginxLogFormats reads log_format (strings concatenated, escape=) and access_log (format name, default combined)', () => {
    const r = nginxLogFormats(conf);
    assert.deepEqual(r.formats.map((f) => [f.name, f.escape]), [['main', 'default'], ['json', 'json']]);
    assert.match(r.formats[0].template, /"\$http_user_agent" host=\$host port=\$server_port/);
    assert.deepEqual(r.accessLogs.map((l) => [l.path, l.format]), [['/var/log/nginx/access.log', 'main'], ['/var/log/nginx/api.json.log', 'json']]);
    assert.deepEqual(nginxLogFormats('http { access_log /x.log; }').accessLogs[0].format, 'combined');
  });

  it('a custom format gives host, port, upstream and logged headers', () => {
    const f = nginxLogFormats(conf).formats[0];
    const p = nginxTemplateFormat(f.name, f.template, f.escape);
    const r = rec(p.parse('203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /api/v1 HTTP/1.1" 200 12 "-" "curl/8" host=API.example.com port=8443 up="10.0.2.21:9000, 10.0.2.22:9000" canary=yes'));
    assert.deepEqual([r.host, r.port, r.upstream?.address, header(r, 'x-canary')], ['api.example.com', 8443, '10.0.2.21:9000', 'yes']);
    // "If a server cannot be selected, the variable keeps the name of the server group."
    const g = rec(p.parse('203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /api/v1 HTTP/1.1" 502 12 "-" "curl/8" host=a.com port=80 up="api" canary=-'));
    assert.deepEqual(g.upstream, { pool: 'api' });
    // After an internal redirect, groups are separated by " : ": the first address is the first choice.
    const x = rec(p.parse('203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-" host=a.com port=80 up="unix:/tmp/sock : 192.168.10.1:80" canary=-'));
    assert.equal(x.upstream?.address, 'unix:/tmp/sock');
  });

  it('escape=json lines: escaped quotes and \\u escapes inside values, numbers unquoted', () => {
    const f = nginxLogFormats(conf).formats[1];
    const p = nginxTemplateFormat(f.name, f.template, f.escape);
    const r = rec(p.parse('{"time":"2024-05-01T10:00:00+02:00","remote":"2001:db8::7","request":"GET /search?q=a\\"b HTTP/1.1","status":200,"host":"shop.example.com","ua":"Mozilla \\"quoted\\" caf\\u00e9","upstream":"10.0.1.11:8080"}'));
    assert.deepEqual([r.path, r.query, r.host, r.status, r.upstream?.address], ['/search', 'q=a"b', 'shop.example.com', 200, '10.0.1.11:8080']);
    assert.equal(r.time, Date.UTC(2024, 4, 1, 8, 0, 0) / 1000);
  });

  it('detection prefers the format the access_log of that file names', () => {
    const r = nginxLogFormats(conf);
    const declared = r.formats.map((f) => nginxTemplateFormat(f.name, f.template, f.escape));
    const line = '203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8" host=a.com port=80 up="-" canary=-';
    assert.equal(detectFormat([line, line], { declared })?.id, 'nginx:main');
    assert.equal(detectFormat(['203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"'], { declared })?.id, 'nginx-combined');
  });
});

describe('log formats: JSON lines without a declared format', () => {
  it('nginx-style keys', () => {
    const p = jsonParser('nginx-json', 'nginx JSON');
    const r = rec(p.parse('{"time_local":"10/Oct/2023:13:55:36 +0000","remote_addr":"192.0.2.1","request_method":"PUT","request_uri":"/a/b?c=d","http_host":"Shop.example.com:8080","status":"201","upstream_addr":"10.0.0.1:80","http_x_canary":"1"}'));
    assert.deepEqual([r.method, r.path, r.query, r.host, r.port, r.status, r.upstream?.address, header(r, 'x-canary')], ['PUT', '/a/b', 'c=d', 'shop.example.com', 8080, 201, '10.0.0.1:80', '1']);
  });

  it('Envoy json_format (Istio names): authority, x_envoy_original_path before path, upstream host and cluster, listener port', () => {
    const p = jsonParser('envoy-json', 'Envoy JSON');
    const r = rec(p.parse('{"start_time":"2024-05-01T10:00:00.123Z","method":"GET","path":"/rewritten","x_envoy_original_path":"/orig?x=1","protocol":"HTTP/1.1","response_code":200,"authority":"api.example.com","upstream_host":"10.0.0.7:8080","upstream_cluster":"api","downstream_local_address":"10.0.0.2:10000"}'));
    assert.deepEqual([r.path, r.query, r.host, r.port, r.upstream], ['/orig', 'x=1', 'api.example.com', 10000, { address: '10.0.0.7:8080', pool: 'api' }]);
  });

  it('Traefik JSON (StartUTC, RequestPath with its query, ServiceName/ServiceAddr, request_ headers, entryPointName)', () => {
    const p = jsonParser('traefik-json', 'Traefik JSON');
    const r = rec(p.parse('{"ClientAddr":"192.168.1.10:53210","ClientHost":"192.168.1.10","DownstreamStatus":200,"Duration":2345678,"OriginStatus":200,"RequestAddr":"shop.example.com","RequestHost":"shop.example.com","RequestMethod":"GET","RequestPath":"/api/users?page=2","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"https","RouterName":"api@file","ServiceAddr":"10.0.2.21:9000","ServiceName":"api@file","ServiceURL":"http://10.0.2.21:9000","StartUTC":"2024-05-01T10:00:00.123456789Z","entryPointName":"websecure","level":"info","request_User-Agent":"curl/8.0","time":"2024-05-01T10:00:00Z"}'));
    assert.deepEqual([r.method, r.path, r.query, r.host, r.scheme, r.status, r.entry, r.port], ['GET', '/api/users', 'page=2', 'shop.example.com', 'https', 200, 'websecure', undefined]);
    assert.deepEqual(r.upstream, { address: '10.0.2.21:9000', pool: 'api@file' });
    assert.equal(header(r, 'user-agent'), 'curl/8.0');
    assert.equal(r.time, Date.UTC(2024, 4, 1, 10, 0, 0) / 1000 + 0.123456789);
  });

  it('escaped quotes and \\u escapes in values (the slow path) read as JSON.parse reads them; lines without a backslash take the fast one', () => {
    const p = jsonParser('nginx-json', 'x');
    const line = (uri: string, ua: string) => JSON.stringify({ request_method: 'GET', request_uri: uri, http_host: 'a.test', status: 200, http_user_agent: ua, upstream_addr: '10.0.0.1:80' });
    for (const [uri, ua] of [['/a?q=x', 'curl/8'], ['/a?q="x"', 'Mozilla "quoted" café'], ['/p\\q', 'tab\there'], ['/ü', '\u0001']]) {
      const r = rec(p.parse(line(uri, ua)));
      assert.deepEqual([r.path, r.query ?? '', header(r, 'user-agent'), r.upstream?.address], [uri.split('?')[0], uri.split('?')[1] ?? '', ua, '10.0.0.1:80'], line(uri, ua));
    }
    assert.match(String(p.parse('{"request_uri":"/a","status":200,"http_host":"a\\"}')), /not valid JSON/, 'an escape that swallows the closing quote');
  });

  it('a truncated JSON line is unparseable; a JSON line without a request is not a request', () => {
    const p = jsonParser('nginx-json', 'x');
    assert.match(String(p.parse('{"request":"GET / HTTP/1.1","status":2')), /not valid JSON/);
    assert.equal(p.parse('{"level":"info","msg":"Configuration loaded"}'), NO_REQUEST);
  });
});

describe('log formats: HAProxy (configuration manual 8.2.2 tcplog, 8.2.3 httplog)', () => {
  const p = haproxyParser();

  it('the manual\'s httplog example: frontend, backend/server, status, request, time (no zone)', () => {
    const r = rec(p.parse('Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"'));
    assert.deepEqual([r.entry, r.upstream, r.status, r.method, r.path, r.src], ['http-in', { pool: 'static', server: 'srv1' }, 200, 'GET', '/index.html', '10.0.1.2']);
    assert.equal(r.time, Date.UTC(2009, 1, 6, 12, 14, 14) / 1000 + 0.655);
    assert.equal(r.host, undefined, 'captures are not known without the configuration');
  });

  it('captured request headers named by the configuration give the Host; `~` marks TLS; no syslog header', () => {
    const captures = haproxyLogCaptures('frontend http-in\n  bind :443 ssl crt /x.pem\n  capture request header Host len 64\n  http-request capture req.hdr(X-Canary) len 8\n  default_backend static\nbackend static\n  server srv1 10.0.0.1:80\n');
    assert.deepEqual([...captures], [['http-in', ['host', 'x-canary']]]);
    const q = haproxyParser(captures);
    const r = rec(q.parse('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in~ static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {Shop.example.com|yes} {} "GET /index.html HTTP/1.1"'));
    assert.deepEqual([r.host, r.scheme, header(r, 'x-canary')], ['shop.example.com', 'https', 'yes']);
  });

  it('the manual\'s tcplog example is a connection to frontend fnt, sent to bck/srv1', () => {
    const r = rec(p.parse('Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0'));
    assert.deepEqual([r.tcp, r.entry, r.upstream], [true, 'fnt', { pool: 'bck', server: 'srv1' }]);
  });

  it('<NOSRV> on the frontend itself (a redirect) has no upstream; <BADREQ> has no request', () => {
    const r = rec(p.parse('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in http-in/<NOSRV> 0/-1/-1/-1/0 302 120 - - LR-- 1/1/0/0/0 0/0 "GET /old HTTP/1.1"'));
    assert.deepEqual([r.upstream, r.status], [undefined, 302]);
    assert.equal(p.parse('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in http-in/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"'), NO_REQUEST);
    assert.match(String(p.parse('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /ind')), /unterminated|truncated/);
  });
});

describe('log formats: Envoy default format string and Istio\'s', () => {
  const p = envoyParser();

  it('the documented default-format example', () => {
    const r = rec(p.parse('[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"'));
    assert.deepEqual([r.method, r.path, r.status, r.host, r.upstream?.address, header(r, 'user-agent')], ['POST', '/api/v1/locations', 204, 'locations', '10.0.2.1:80', 'nsq2http']);
    assert.equal(r.time, Date.UTC(2016, 3, 15, 20, 17, 0) / 1000 + 0.31);
  });

  it('Istio\'s default: cluster and the listener port after the quoted fields; "-" upstream when none', () => {
    const r = rec(p.parse('[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default'));
    assert.deepEqual([r.host, r.port, r.upstream], ['httpbin', 8000, { address: '10.44.1.27:80', pool: 'outbound|8000||httpbin.foo.svc.cluster.local' }]);
    const nr = rec(p.parse('[2016-04-15T20:17:00.310Z] "GET /nope HTTP/1.1" 404 NR 0 0 0 - "-" "curl/8" "id" "a.com" "-"'));
    assert.equal(nr.upstream, undefined);
    assert.equal(p.parse('[2016-04-15T20:17:00.310Z] "- - -" 0 - 100 200 3000 - "-" "-" "-" "-" "10.0.0.1:5432"'), NO_REQUEST);
  });
});

describe('log formats: AWS ALB access log entries', () => {
  const p = albParser();
  const http = 'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90';

  it('the documented HTTP entry: URL with port, target and target group, request_creation_time', () => {
    const r = rec(p.parse(http));
    assert.deepEqual([r.scheme, r.host, r.port, r.path, r.status, r.upstream], ['http', 'www.example.com', 80, '/', 200, { address: '10.0.0.1:80', pool: 'my-targets' }]);
    assert.equal(r.time, Date.UTC(2018, 6, 2, 22, 22, 48) / 1000 + 0.364);
  });

  it('a redirect has no target (`-`); a malformed request is a line without request', () => {
    const r = rec(p.parse('https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.000 0.000 301 - 0 351 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-58337364-23a8c76965a2ef7629b185e3" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2018-07-02T22:22:48.364000Z "redirect" "https://www.example.com:80/" "-" "-" "-" "-" "-" TID_x'));
    assert.deepEqual([r.scheme, r.port, r.status, r.upstream], ['https', 443, 301, undefined]);
    assert.equal(p.parse(http.replace('"GET http://www.example.com:80/ HTTP/1.1"', '"- http://www.example.com:80- -"')), NO_REQUEST);
    assert.match(String(p.parse(http.slice(0, 120))), /truncated/);
  });
});

describe('log formats: Traefik common log format', () => {
  it('router name and server URL after the combined fields', () => {
    const r = rec(traefikClfParser().parse('192.168.1.10 - - [01/May/2024:10:00:00 +0000] "GET /api/users HTTP/1.1" 200 1234 "-" "curl/8.0" 42 "api@file" "http://10.0.2.21:9000" 2ms'));
    assert.deepEqual([r.path, r.upstream?.address], ['/api/users', '10.0.2.21:9000']);
  });
});

describe('log formats: detection and names', () => {
  it('each format is recognised from its lines', () => {
    assert.equal(detectFormat(['203.0.113.7 - - [10/Oct/2023:13:55:36 +0200] "GET / HTTP/1.1" 200 2 "-" "x"'])?.id, 'nginx-combined');
    assert.equal(detectFormat(['203.0.113.7 - - [10/Oct/2023:13:55:36 +0200] "GET / HTTP/1.1" 200 2'])?.id, 'common');
    assert.equal(detectFormat(['10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"'])?.id, 'haproxy-http');
    assert.equal(detectFormat(['[2016-04-15T20:17:00.310Z] "POST /x HTTP/2" 204 - 154 0 226 100 "-" "-" "-" "a" "-"'])?.id, 'envoy');
    assert.equal(detectFormat(['{"RequestMethod":"GET","RequestPath":"/","StartUTC":"2024-05-01T10:00:00Z"}'])?.id, 'traefik-json');
    assert.equal(detectFormat(['{"method":"GET","path":"/","authority":"a","start_time":"2024-05-01T10:00:00Z"}'])?.id, 'envoy-json');
    assert.equal(detectFormat(['{"request":"GET / HTTP/1.1","status":200}'])?.id, 'nginx-json');
    assert.equal(detectFormat(['192.168.1.10 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "c" 42 "r" "http://10.0.0.1:80" 2ms'])?.id, 'traefik-clf');
    assert.equal(detectFormat(['hello world', 'not a log']), undefined);
  });

  it('names on the command line', () => {
    assert.equal(normaliseFormatName('haproxy'), 'haproxy-http');
    assert.equal(normaliseFormatName('nginx:main'), 'nginx:main');
    assert.equal(normaliseFormatName('nope'), undefined);
  });

  it('timestamps: CLF with zone and fraction, ISO with offset and nanoseconds', () => {
    assert.equal(parseClfTime('01/Jan/2024:00:00:00 +0100'), Date.UTC(2023, 11, 31, 23) / 1000);
    assert.equal(parseClfTime('06/Feb/2009:12:14:14.655'), Date.UTC(2009, 1, 6, 12, 14, 14) / 1000 + 0.655);
    assert.equal(parseIsoTime('2024-05-01T10:00:00-02:30'), Date.UTC(2024, 4, 1, 12, 30) / 1000);
    assert.equal(parseIsoTime('2024-05-01 10:00:00Z'), Date.UTC(2024, 4, 1, 10) / 1000);
    assert.equal(parseIsoTime('2024-13-01T10:00:00Z'), undefined);
    assert.equal(parseClfTime('32/Foo/2024:00:00:00 +0000'), undefined);
  });
});
