/** Generated configs for the benchmark: realistic shapes, valid for `nginx -t` / `haproxy -c`, about `lines` lines. */

const ip = (i: number, j: number) => `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`;

export function nginxConfig(lines: number): string {
  const out = ['worker_processes 1;', 'events { worker_connections 1024; }', 'http {'];
  let i = 0;
  while (out.length < lines - 1) {
    out.push(
      `    upstream app${i} {`,
      '        least_conn;',
      `        server ${ip(i, 0)}:8080 weight=3 max_fails=2 fail_timeout=5s;`,
      `        server ${ip(i, 1)}:8080 weight=2;`,
      `        server ${ip(i, 2)}:8080 backup;`,
      '    }',
      '    server {',
      `        listen ${8000 + (i % 1000)};`,
      `        server_name site${i}.example.com;`,
      '        location / {',
      `            proxy_pass http://app${i};`,
      '            proxy_set_header Host $host;',
      '        }',
      '        location ~ \\.(png|css|js)$ {',
      '            root /srv/static;',
      '            expires 7d;',
      '        }',
      '    }',
    );
    i++;
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function haproxyConfig(lines: number): string {
  // Each site costs 2 frontend lines and 7 backend lines.
  const backends = Math.max(1, Math.floor((lines - 10) / 9));
  const out = ['global', '    maxconn 4096', 'defaults', '    mode http', '    timeout connect 5s', '    timeout client 30s', '    timeout server 30s', 'frontend fe_main', '    bind *:80'];
  for (let i = 0; i < backends; i++) {
    out.push(`    acl host_${i} hdr(host) -i site${i}.example.com`, `    use_backend be_${i} if host_${i}`);
  }
  out.push('    default_backend be_0');
  for (let i = 0; i < backends; i++) {
    out.push(
      `backend be_${i}`,
      '    balance roundrobin',
      '    option httpchk GET /health',
      `    server s${i}a ${ip(i, 0)}:8080 check weight 30`,
      `    server s${i}b ${ip(i, 1)}:8080 check weight 20`,
      `    server s${i}c ${ip(i, 2)}:8080 check backup`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
