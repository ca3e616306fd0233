import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixesFor } from '../../../server/src/service/codeActions';
import { analyzeText } from '../../helpers/edits';
import { checkFix } from './check';

const REPO = resolve(__dirname, '..', '..', '..');
const INCIDENT = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
const URI = 'file:///w/nginx.conf';

/** A complete nginx.conf around an http body. */
const conf = (body: string) => `events {}\n\nhttp {\n${body}}\n`;

describe('nginx quick fixes', () => {
  test('LB101: bring back the servers marked down (comments kept)', () => {
    checkFix({
      uri: URI, text: INCIDENT, ruleId: 'LB101', title: /^Bring back 10\.0\.1\.12:8080, 10\.0\.1\.13:8080/,
      removed: ['        server 10.0.1.12:8080 down;      # drained for maintenance', '        server 10.0.1.13:8080 down;      # drained for maintenance'],
      added: ['        server 10.0.1.12:8080;      # drained for maintenance', '        server 10.0.1.13:8080;      # drained for maintenance'],
    });
  });

  test('LB102: equal weights for the active servers', () => {
    checkFix({
      uri: URI, text: INCIDENT, ruleId: 'LB102', title: /equal weight/,
      removed: ['        server 10.0.2.21:9000 weight=9;'], added: ['        server 10.0.2.21:9000;'],
    });
  });

  test('LB104: every server down → bring them back', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80 down;\n        server 10.0.0.2:80 down; # both drained\n    }\n' +
      '    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n',
    );
    checkFix({
      uri: URI, text, ruleId: 'LB104', title: /^Bring back/,
      removed: ['        server 10.0.0.1:80 down;', '        server 10.0.0.2:80 down; # both drained'],
      added: ['        server 10.0.0.1:80;', '        server 10.0.0.2:80; # both drained'],
    });
  });

  const TYPO = conf(
    '    upstream backend {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80;\n    }\n' +
    '    upstream billing_v2 {\n        server 10.0.1.1:80;\n        server 10.0.1.2:80;\n    }\n' +
    '    server {\n        listen 80;\n        location / {\n            proxy_pass http://bakend;\n        }\n' +
    '        location /pay/ {\n            proxy_pass http://payments;\n        }\n' +
    '        location /bill/ {\n            proxy_pass http://billing_v2;\n        }\n    }\n',
  );

  test('LB103 (host that looks like a misspelled upstream): change to the closest name', () => {
    checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', where: (d) => /bakend/.test(d.message), title: /^Change to "backend"$/,
      removed: ['            proxy_pass http://bakend;'], added: ['            proxy_pass http://backend;'],
    });
  });

  test('LB103: create the missing upstream (a skeleton before the server block)', () => {
    checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', where: (d) => /bakend/.test(d.message), title: /^Create upstream "bakend"$/,
      removed: [],
      added: ['    upstream bakend {', '        server 127.0.0.1:8080;  # TODO: the servers of "bakend"', '    }', ''],
    });
  });

  test('LB105: remove the duplicate server line', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80;\n        server 10.0.0.1:80;  # again\n    }\n' +
      '    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n',
    );
    checkFix({ uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server 10\.0\.0\.1:80$/, removed: ['        server 10.0.0.1:80;  # again'], added: [] });
  });

  const SHADOW = conf(
    '    upstream app {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80;\n    }\n' +
    '    upstream php {\n        server 10.0.1.1:9000;\n        server 10.0.1.2:9000;\n    }\n' +
    '    server {\n        listen 80;\n' +
    '        # everything else\n        location ~ / {\n            proxy_pass http://app;\n        }\n' +
    '        location ~ \\.php$ {\n            proxy_pass http://php;\n        }\n    }\n',
  );

  test('LB106: move the catch-all regex after the specific one (its comment travels with it)', () => {
    const { fixed } = checkFix({ uri: URI, text: SHADOW, ruleId: 'LB106', title: /^Move "location ~ \/" after "location ~ \\\.php\$"$/, removed: [], added: [] });
    assert.ok(fixed.indexOf('location ~ \\.php$') < fixed.indexOf('# everything else'), fixed);
    assert.ok(fixed.indexOf('# everything else') < fixed.indexOf('location ~ / {'), fixed);
  });

  test('LB106: delete the unreachable location', () => {
    checkFix({
      uri: URI, text: SHADOW, ruleId: 'LB106', title: /^Delete the unreachable "location ~ \\\.php\$"$/,
      removed: ['        location ~ \\.php$ {', '            proxy_pass http://php;', '        }'], added: [],
    });
  });

  test('LB106: a prefix location preempted by a regex gets "^~"', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80;\n    }\n' +
      '    upstream api {\n        server 10.0.1.1:80;\n        server 10.0.1.2:80;\n    }\n' +
      '    server {\n        listen 80;\n        location ~ / {\n            proxy_pass http://app;\n        }\n' +
      '        location /api/ {\n            proxy_pass http://api;\n        }\n    }\n',
    );
    checkFix({
      uri: URI, text, ruleId: 'LB106', title: /"\^~"/,
      removed: ['        location /api/ {'], added: ['        location ^~ /api/ {'],
    });
  });

  test('LB107: passive checks back on (remove max_fails=0)', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80 max_fails=0 weight=2;\n        server 10.0.0.2:80 weight=2 max_fails=0;\n    }\n' +
      '    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n',
    );
    checkFix({
      uri: URI, text, ruleId: 'LB107', title: /max_fails=0/,
      removed: ['        server 10.0.0.1:80 max_fails=0 weight=2;', '        server 10.0.0.2:80 weight=2 max_fails=0;'],
      added: ['        server 10.0.0.1:80 weight=2;', '        server 10.0.0.2:80 weight=2;'],
    });
  });

  test('LB110: remove the unused upstream', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80;\n    }\n\n' +
      '    upstream old {\n        server 10.0.9.1:80;\n    }\n\n' +
      '    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n',
    );
    checkFix({
      uri: URI, text, ruleId: 'LB110', title: /^Remove the unused upstream "old"$/,
      removed: ['    upstream old {', '        server 10.0.9.1:80;', '    }', ''], added: [],
    });
  });

  test('LB002: weight=0 → weight=1', () => {
    const text = conf(
      '    upstream app {\n        server 10.0.0.1:80;\n        server 10.0.0.2:80 weight=0;\n    }\n' +
      '    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n',
    );
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /weight=1/, removed: ['        server 10.0.0.2:80 weight=0;'], added: ['        server 10.0.0.2:80 weight=1;'] });
  });

  test('suppression comment for any rule, indented like the finding', () => {
    checkFix({
      uri: URI, text: INCIDENT, ruleId: 'LB102', title: /^Disable LB102/,
      removed: [], added: ['            # lb-lens-disable-next-line LB102'],
    });
  });

  test('suppression adds the id to a disable-next-line comment already above the line', () => {
    const text = INCIDENT.replace('            proxy_pass http://api;', '            # lb-lens-disable-next-line LB108 -- reviewed\n            proxy_pass http://api;');
    checkFix({
      uri: URI, text, ruleId: 'LB102', title: /^Disable LB102/,
      removed: ['            # lb-lens-disable-next-line LB108 -- reviewed'], added: ['            # lb-lens-disable-next-line LB108 LB102 -- reviewed'],
    });
  });

  test('a fragment whose pool lives in nginx.conf: no fix edits the other file', () => {
    const main = 'events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80 down;\n  }\n  include conf.d/*.conf;\n}\n';
    const fragment = 'server {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n  }\n}\n';
    const a = analyzeText('file:///w/conf.d/site.conf', fragment, { files: { 'file:///w/nginx.conf': main }, root: 'file:///w' });
    const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB101');
    assert.ok(d, JSON.stringify(a.ownDiagnostics));
    const fixes = fixesFor(a, d);
    assert.ok(fixes.every((f) => f.edits.every((e) => e.uri === 'file:///w/conf.d/site.conf')));
    assert.deepEqual(fixes.map((f) => f.title), ['Disable LB101 for this line (lb-lens-disable-next-line)']);
  });
});
