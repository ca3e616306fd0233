import { haproxyConfig, nginxConfig } from './bench/generate';
import { LanguageService } from './server/src/service/languageService';
const fmt = process.argv[2] ?? 'haproxy';
const text = fmt === 'haproxy' ? haproxyConfig(10000) : nginxConfig(10000);
const svc = new LanguageService({ fileSystem: { readFile: () => undefined, readDirectory: () => [] } as any, roots: () => ['file:///b'] });
const uri = `file:///b/${fmt === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf'}`;
svc.analyze({ uri, text, languageId: fmt });
const lines = text.split('\n');
let ln = Math.floor(lines.length / 2);
while (!/weight[ =]\d/.test(lines[ln])) ln++;
const col = /weight[ =]/.exec(lines[ln])!.index + 7;
const times: number[] = [];
for (let v = 0; v < 30; v++) {
  const l2 = [...lines];
  l2[ln] = l2[ln].slice(0, col) + (v % 2 ? '3' : '4') + l2[ln].slice(col + 1);
  const t0 = performance.now();
  svc.analyze({ uri, text: l2.join('\n'), languageId: fmt });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(fmt, 'median', times[15].toFixed(1), 'min', times[0].toFixed(1));
