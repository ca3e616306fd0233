// The input box syntax of "LB Lens: Test a Request…" (client/src/requestSyntax.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describedToInput,
  formatRequestInput,
  parseRequestInput,
  RequestSyntaxError,
  splitWords,
} from '../../../client/src/requestSyntax';
import { describeRequest, parseRequest } from '../../../server/src/analysis/routing/request';

const error = (text: string) => {
  try {
    parseRequestInput(text);
  } catch (e) {
    assert.ok(e instanceof RequestSyntaxError, String(e));
    return e.message;
  }
  assert.fail(`no error for ${text}`);
};

test('words split like a shell: double quotes with escapes, single quotes, backslashes', () => {
  assert.deepEqual(splitWords(`GET http://a/x -H "X-A: b c" -H 'Y: "q"' a\\ b "say \\"hi\\"" x""y`), [
    'GET', 'http://a/x', '-H', 'X-A: b c', '-H', 'Y: "q"', 'a b', 'say "hi"', 'xy',
  ]);
  assert.deepEqual(splitWords('   '), []);
  assert.deepEqual(splitWords('-H ""'), ['-H', '']);
});

test('a request with headers, --sni, --port and --entry', () => {
  assert.deepEqual(parseRequestInput('GET https://a.com/x -H "X-Canary: yes" -H "Cookie: a=b; c=d" --sni b.com --port 8443 --entry fe_http'), {
    request: 'GET https://a.com/x',
    headers: ['X-Canary: yes', 'Cookie: a=b; c=d'],
    sni: 'b.com',
    port: 8443,
    entry: 'fe_http',
  });
});

test('the method is optional; options may come first; --opt=value and --header work', () => {
  assert.deepEqual(parseRequestInput('--port=81 http://a.com/'), { request: 'http://a.com/', headers: [], port: 81 });
  assert.deepEqual(parseRequestInput('--header=Host:b.com POST /x --entry "frontend fe"'), {
    request: 'POST /x',
    headers: ['Host: b.com'],
    entry: 'frontend fe',
  });
});

test('mistakes get a message that says what to type', () => {
  assert.match(error(''), /type a request/);
  assert.match(error('GET'), /URL is missing after GET/);
  assert.match(error('GET http://a/ extra'), /unexpected "extra".*-H/);
  assert.match(error('GET http://a/ -H "X: y'), /unterminated double quote at column 18/);
  assert.match(error("GET http://a/ -H 'X: y"), /unterminated single quote/);
  assert.match(error('GET http://a/ -H'), /-H needs a value/);
  assert.match(error('GET http://a/ -H novalue'), /"novalue" is not "Name: value"/);
  assert.match(error('GET http://a/ -H "bad name: x"'), /"bad name" is not a header name/);
  assert.match(error('GET http://a/ --port 0'), /--port needs a port number \(1-65535\), got "0"/);
  assert.match(error('GET http://a/ --port 70000'), /got "70000"/);
  assert.match(error('GET http://a/ --port x'), /got "x"/);
  assert.match(error('GET http://a/ --sni a --sni b'), /--sni is given twice/);
  assert.match(error('GET http://a/ -v'), /unknown option "-v"/);
  assert.match(error('x'.repeat(20_000)), /longer than/);
});

test('formatRequestInput reads back to the same input', () => {
  const inputs = [
    { request: 'GET https://a.com/x', headers: ['X-Canary: yes', 'Cookie: a="b"; c=d\\e'], sni: 'b.com', port: 8443, entry: 'frontend fe' },
    { request: 'POST /only/a/path?q=1', headers: [] },
  ];
  for (const input of inputs) assert.deepEqual(parseRequestInput(formatRequestInput(input)), input);
  assert.equal(formatRequestInput(inputs[0]), 'GET https://a.com/x -H "X-Canary: yes" -H "Cookie: a=\\"b\\"; c=d\\\\e" --sni b.com --port 8443 --entry "frontend fe"');
});

test('an example as the server describes it (describeRequest) becomes the same request in the input syntax', () => {
  const cases: Array<[string, string[]]> = [
    ['GET http://shop.example.com/api/', []],
    ['POST https://a.com:8443/x?y=1&z', ['X-Canary: yes', 'Cookie: a=b; c=d', 'X-Other: 1;2']],
    ['DELETE /no/host', ['X-Env: prod']],
  ];
  for (const [line, headers] of cases) {
    const original = parseRequest(line, { headers });
    const described = describeRequest(original);
    const input = describedToInput(described);
    const parsed = parseRequestInput(formatRequestInput(input));
    assert.deepEqual(parseRequest(parsed.request, { headers: parsed.headers }), original, described);
  }
  assert.deepEqual(describedToInput('GET http://a.com/x (x-canary: yes; cookie: a=b; c=d)'), {
    request: 'GET http://a.com/x',
    headers: ['x-canary: yes', 'cookie: a=b; c=d'],
  });
});
