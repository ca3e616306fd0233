// Webview side of the LB Lens traffic-distribution preview.
// Renders the PreviewFile the extension posts (with, above the routes, the request tested with "LB Lens: Test a
// Request…") — or, in compare mode, the DocumentComparison with HEAD; user actions are posted back as messages
// that name routes and results by id or index, never by file or request text.
// Builds the DOM with textContent only (never innerHTML): names come from user configuration.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const routesEl = /** @type {HTMLElement} */ (document.getElementById('routes'));
  const fileEl = /** @type {HTMLElement} */ (document.getElementById('file'));
  const resetEl = /** @type {HTMLButtonElement} */ (document.getElementById('reset'));
  const liveEl = /** @type {HTMLButtonElement} */ (document.getElementById('live'));

  resetEl.addEventListener('click', () => vscode.postMessage({ type: 'reset' }));
  liveEl.addEventListener('click', () => vscode.postMessage({ type: 'showDistribution' }));

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'data') {
      vscode.setState({ file: msg.file, failed: msg.failed, displayPath: msg.displayPath, request: msg.request });
      render(msg.file, msg.failed || [], msg.displayPath, msg.request, msg.replayCancellable);
    } else if (msg.type === 'error') {
      showMessage('error', 'The language server could not compute the distribution: ' + msg.message);
    } else if (msg.type === 'empty') {
      showMessage('placeholder', msg.message);
    } else if (msg.type === 'compare') {
      vscode.setState({ compare: msg });
      renderComparison(msg.comparison, msg.displayPath, msg.notice);
    } else if (msg.type === 'compareMessage') {
      vscode.setState({ compareMessage: msg });
      compareToolbar(msg.displayPath || '', 'HEAD');
      showMessage('placeholder', msg.message);
    }
  });

  // Paint the last state right away after a reload, then ask the extension for fresh data.
  const saved = vscode.getState();
  if (saved && saved.file) render(saved.file, saved.failed || [], saved.displayPath, saved.request);
  else if (saved && saved.compare) renderComparison(saved.compare.comparison, saved.compare.displayPath, saved.compare.notice);
  else if (saved && saved.compareMessage) {
    compareToolbar(saved.compareMessage.displayPath || '', 'HEAD');
    showMessage('placeholder', saved.compareMessage.message);
  }
  vscode.postMessage({ type: 'ready' });

  /** @param {string} tag @param {string} [cls] @param {string} [text] */
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** @param {string} cls @param {string} text */
  function showMessage(cls, text) {
    routesEl.replaceChildren(el('p', cls, text));
  }

  /** @param {number} share */
  function percent(share) {
    const p = Math.max(0, Math.min(1, Number(share) || 0)) * 100;
    return (Number.isInteger(p) ? String(p) : p.toFixed(1)) + '%';
  }

  /** @param {string} p */
  function baseName(p) {
    return String(p).split(/[\\/]/).pop() || String(p);
  }

  function render(file, failed, displayPath, request, replayCancellable) {
    // The workspace-relative path when the extension knows it; the full path in the tooltip.
    fileEl.textContent = (displayPath || baseName(file.path)) + ' · ' + file.format;
    fileEl.title = file.path;
    resetEl.hidden = false;
    liveEl.hidden = true;
    const down = failed.length ? failed.length + ' simulated failure' + (failed.length === 1 ? '' : 's') : '';
    resetEl.title = down ? 'Reset ' + down : 'No simulated failures';
    resetEl.disabled = failed.length === 0;
    const parts = request ? [renderRequest(request)] : [];
    const traffic = file.traffic;
    if (traffic) parts.push(renderTraffic(traffic, !!replayCancellable));
    if (!file.routes || file.routes.length === 0) parts.push(el('p', 'placeholder', 'No routes found in this file.'));
    else parts.push(...file.routes.map(renderRoute));
    if (traffic && traffic.status === 'done') parts.push(renderUnrouted(traffic));
    routesEl.replaceChildren(...parts);
  }

  // ---- logged traffic (lbLens.traffic.logs) ------------------------------------------------------------------

  /** `1,234`. @param {number} n */
  function count(n) {
    return Math.round(Number(n) || 0).toLocaleString('en-US');
  }

  /** A rate in req/s as `lb-lens replay` prints it. @param {number} r */
  function rate(r) {
    if (r >= 100) return count(r);
    if (r >= 10) return r.toFixed(1).replace(/\.0$/, '');
    return r.toFixed(2).replace(/\.?0+$/, '') || '0';
  }

  /** @param {number} seconds */
  function duration(seconds) {
    if (seconds < 120) return seconds + ' s';
    if (seconds < 7200) return Math.round(seconds / 60) + ' min';
    if (seconds < 172800) return (seconds / 3600).toFixed(1).replace(/\.0$/, '') + ' h';
    return (seconds / 86400).toFixed(1).replace(/\.0$/, '') + ' days';
  }

  /** The Logged traffic section: which logs, how many requests, the peak; or the replay's state. */
  function renderTraffic(t, cancellable) {
    const section = el('section', 'traffic status-' + t.status);
    section.setAttribute('aria-label', 'Logged traffic');
    const head = el('h2', 'traffic-head');
    head.append(el('span', 'traffic-title', 'Logged traffic'));
    if (t.status === 'done') {
      const legend = el('span', 'cmp-legend');
      legend.setAttribute('aria-hidden', 'true');
      legend.append(el('span', 'swatch live'), document.createTextNode(' configured  '), el('span', 'swatch logged'), document.createTextNode(' logged'));
      head.append(legend);
    }
    section.append(head);
    if (t.status === 'replaying') {
      const p = el('p', 'traffic-state', (t.message || 'Replaying the access logs…') + (t.progress !== undefined ? ' ' + t.progress + '%' : ''));
      if (cancellable) {
        const b = actionButton('Cancel', 'Stop replaying the access logs (LB Lens: Cancel Access-Log Replay)', { type: 'cancelReplay' });
        b.classList.add('cancel-replay');
        p.append(document.createTextNode(' '), b);
      }
      section.append(p);
    } else if (t.status === 'cancelled') {
      const p = el('p', 'traffic-state', t.message || 'Replay cancelled.');
      p.append(document.createTextNode(' '), actionButton('Replay again', 'Replay the access logs through this configuration now', { type: 'replayAgain' }));
      section.append(p);
    } else if (t.status === 'failed') {
      section.append(el('p', 'error traffic-state', t.message || 'The access logs could not be replayed.'));
    } else {
      const when = t.window ? ' in ' + duration(t.window.seconds) : '';
      const peak = t.peak !== null ? ' · peak ' + rate(t.peak) + ' req/s' + (t.peakMinute !== null ? ', busiest minute ' + rate(t.peakMinute) + ' req/s' : '') : '';
      section.append(el('p', 'traffic-summary', count(t.requests) + ' request' + (t.requests === 1 ? '' : 's') + when + peak));
      const ul = el('ul', 'notes traffic-logs');
      for (const l of t.logs) {
        const bits = [count(l.lines) + ' lines', count(l.requests) + ' requests'];
        if (l.unparseable) bits.push(count(l.unparseable) + ' unparseable');
        const li = el('li', 'note', l.path + (l.format ? ' (' + l.format + ')' : '') + ': ' + bits.join(', '));
        if (l.error) li.append(el('span', 'error', ' — ' + l.error));
        ul.append(li);
      }
      if (t.sample) ul.append(el('li', 'note sample', 'A sample: ' + t.sample + '.'));
      for (const u of t.unexpected || []) ul.append(el('li', 'finding sev-warning', u.observed + ' got ' + count(u.requests) + ' logged request(s) of ' + u.pool + ': ' + u.why));
      for (const x of t.silent || []) ul.append(el('li', 'finding sev-warning', x.server + ' got none of the ' + count(x.poolRequests) + ' logged requests of ' + x.pool));
      section.append(ul);
    }
    if (t.refused && t.refused.length) {
      const ul = el('ul', 'notes');
      for (const r of t.refused) ul.append(el('li', 'finding sev-warning', r.path + ' is not read: ' + r.reason));
      section.append(ul);
    }
    return section;
  }

  /** Logged requests that no pool takes: one line each (no route, a redirect, a direct answer…). */
  function renderUnrouted(t) {
    const section = el('section', 'route unrouted');
    section.setAttribute('aria-label', 'Logged requests not sent to a pool');
    section.append(el('h2', 'route-head', 'Not sent to a pool'));
    if (!t.unrouted || t.unrouted.length === 0) {
      section.append(el('p', 'placeholder', 'Every logged request reaches a pool.'));
      return section;
    }
    const ul = el('ul', 'notes');
    for (const u of t.unrouted) {
      const what = (u.route ? u.route + ': ' : '') + u.summary;
      const li = el('li', 'unrouted-row');
      li.append(el('span', 'unrouted-count', count(u.requests) + ' (' + percent(u.share) + ')'), document.createTextNode(' ' + what + ' '), el('code', 'example-request', 'e.g. ' + u.example));
      ul.append(li);
    }
    section.append(ul);
    return section;
  }

  function renderRoute(route) {
    const section = el('section', 'route');
    section.setAttribute('aria-label', 'Route ' + route.name);

    const head = el('h2', 'route-head');
    head.append(routeName(route, { type: 'reveal', routeId: route.id }));
    head.append(el('span', 'pool', route.pool === null ? 'no pool' : '→ ' + route.pool));
    if (route.catchAll) head.append(el('span', 'badge', 'catch-all'));
    for (const f of route.findings || []) {
      const badge = el('span', 'badge finding sev-' + f.severity, f.ruleId);
      badge.title = f.message;
      badge.setAttribute('aria-hidden', 'true'); // the findings list below reads the same out
      head.append(badge);
    }
    section.append(head);
    if (route.logged) {
      const l = route.logged;
      const text = count(l.requests) + ' logged request' + (l.requests === 1 ? '' : 's') + ' (' + percent(l.share) + ')' +
        (l.peak !== null ? ' · peak ' + rate(l.peak) + ' req/s' : '') + (l.peakMinute !== null ? ' · busiest minute ' + rate(l.peakMinute) + ' req/s' : '');
      section.append(el('div', 'logged-route', text));
    }
    appendRouteBody(section, route, route.servers, renderServer);
    if (route.example) section.append(renderExample(route));

    const findings = route.findings || [];
    const notes = route.notes || [];
    const drift = route.logged ? route.logged.drift || [] : [];
    if (findings.length || notes.length || drift.length) {
      const ul = el('ul', 'notes');
      for (const d of drift) ul.append(el('li', d.status === 'drift' ? 'finding sev-warning drift' : 'note drift', d.text));
      for (const f of findings) {
        const li = el('li', 'finding sev-' + f.severity);
        li.append(el('span', 'rule', f.ruleId), document.createTextNode(' ' + f.message));
        ul.append(li);
      }
      for (const note of notes) ul.append(el('li', 'note', note));
      section.append(ul);
    }
    return section;
  }

  /** A route's name as a button that goes to its line: `message` is posted on a click. */
  function routeName(route, message) {
    const name = el('button', 'route-name link', route.name);
    name.type = 'button';
    name.title = 'Go to line ' + route.line;
    name.setAttribute('aria-label', 'Route ' + route.name + ', go to line ' + route.line);
    name.addEventListener('click', () => vscode.postMessage(message));
    return name;
  }

  /** Below a route's head: its entry point and match, then a list of `rows` (each by `render`), or a placeholder. */
  function appendRouteBody(section, route, rows, render) {
    const detail = [route.entry, route.match].filter(Boolean).join(' · ');
    if (detail) section.append(el('div', 'match', detail));

    if (rows && rows.length) {
      const list = el('ul', 'servers');
      for (const row of rows) list.append(render(row));
      section.append(list);
    } else {
      section.append(el('p', 'placeholder', 'No servers receive traffic on this route.'));
    }
  }

  function renderServer(server) {
    const li = el('li', 'server');
    const button = el('button', 'server-row state-' + server.state + (server.failed ? ' failed' : ''));
    button.type = 'button';
    button.setAttribute('aria-pressed', server.failed ? 'true' : 'false');
    const status = server.failed ? 'simulated failure' : server.state;
    button.setAttribute(
      'aria-label',
      server.name + (server.address && server.address !== server.name ? ' (' + server.address + ')' : '') + ', ' + percent(server.share) + ' of traffic, ' + status +
        ', weight ' + server.weight + '. ' + (server.failed ? 'Press to restore.' : 'Press to simulate failure.'),
    );
    button.title = (server.failed ? 'Restore ' : 'Simulate failure of ') + server.name + ' (line ' + server.line + ')';
    button.addEventListener('click', () => vscode.postMessage({ type: 'toggleFailed', serverId: server.id }));
    if (server.logged) appendLoggedBars(button, server);
    else appendBar(button, server.name, server);
    li.append(button);
    return li;
  }

  /** A server row with logged traffic: the configured bar, and below it the logged one (or the logged requests). */
  function appendLoggedBars(row, server) {
    const l = server.logged;
    const o = l.observed;
    row.classList.add('with-logged');
    const label = row.getAttribute('aria-label') || '';
    row.setAttribute('aria-label', label + ' Logged: ' + (o ? percent(o.share) + ', ' + count(o.requests) + ' requests' + (o.outside ? ', outside the logged interval' : '') : 'about ' + count(l.requests) + ' requests at the configured share') + '.');
    const bars = el('span', 'cmp-bars');
    const pcts = el('span', 'cmp-pcts');
    const track = el('span', 'bar-track live');
    const bar = el('span', 'bar');
    bar.style.width = percent(server.share);
    track.append(bar);
    bars.append(track);
    pcts.append(el('span', 'pct', percent(server.share)));
    if (o) {
      const lt = el('span', 'bar-track logged' + (o.outside ? ' outside' : ''));
      lt.title = 'logged: ' + percent(o.poolShare) + ' of its pool\'s logged requests (' + count(o.requests) + ')' +
        (o.interval ? '; interval ' + percent(o.interval[0]) + ' – ' + percent(o.interval[1]) : '');
      const lb = el('span', 'bar');
      lb.style.width = percent(o.share);
      lt.append(lb);
      bars.append(lt);
      pcts.append(el('span', 'pct logged' + (o.outside ? ' outside' : ''), (o.outside ? '⚠ ' : '') + percent(o.share)));
    } else {
      const none = el('span', 'logged-requests', '≈ ' + count(l.requests) + ' req');
      none.title = 'the route\'s logged requests × the configured share: the log does not say which server served them';
      bars.append(none);
    }
    const tag = el('span', 'state', server.failed ? 'failed' : server.state === 'active' ? '' : server.state);
    for (const c of [bars, pcts]) c.setAttribute('aria-hidden', 'true');
    row.append(el('span', 'server-name', server.name), bars, pcts, tag);
  }

  /** A server row's cells: name, bar, percentage, state (the preview's routes and the tested request's answer). */
  function appendBar(row, label, server) {
    const track = el('span', 'bar-track');
    const bar = el('span', 'bar');
    bar.style.width = percent(server.share); // CSSOM, allowed by the CSP (no inline style attribute)
    track.append(bar);
    const pct = el('span', 'pct', percent(server.share));
    const tag = el('span', 'state', server.failed ? 'failed' : server.state === 'active' ? '' : server.state);
    row.append(el('span', 'server-name', label), track, pct, tag);
  }

  /** A request that reaches the route (checked by the server's routing engine), and a button that tests it. */
  function renderExample(route) {
    const row = el('div', 'example');
    row.append(el('span', 'example-label', 'e.g.'), el('code', 'example-request', route.example));
    const test = el('button', 'link test', 'Test');
    test.type = 'button';
    test.title = 'Test this request: show the route, pool and servers that take it';
    test.setAttribute('aria-label', 'Test the example request ' + route.example + ' of route ' + route.name);
    test.addEventListener('click', () => vscode.postMessage({ type: 'testExample', routeId: route.id }));
    row.append(test);
    return row;
  }

  // ---- the tested request ---------------------------------------------------------------------------------

  const OUTCOME_TEXT = { pool: 'pool', redirect: 'redirect', direct: 'answered by the proxy', 'no-backend': 'no backend', dynamic: 'dynamic target' };
  const TRACE_MARK = { match: '✓', chosen: '•', 'no-match': '✗', undecidable: '?', skipped: '…' };

  /** A small text button in the Request section. */
  function actionButton(text, title, message) {
    const b = el('button', 'reset', text);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', () => vscode.postMessage(message));
    return b;
  }

  /** The Request section: the request as typed, then one block per entry point that takes it, or why none does. */
  function renderRequest(state) {
    const section = el('section', 'request');
    section.setAttribute('aria-label', 'Tested request');
    const head = el('h2', 'request-head');
    const line = el('code', 'request-line', state.input);
    const response = state.response;
    // How the server read it (lower-case header names, the Host header): a tooltip, not one more line.
    if (response && response.request) line.title = 'Read as: ' + response.request;
    head.append(el('span', 'request-title', 'Request'), line);
    const actions = el('span', 'request-actions');
    actions.append(
      actionButton('Edit…', 'Change the request (LB Lens: Test a Request…)', { type: 'editRequest' }),
      actionButton('Clear', 'Forget this request and its highlight', { type: 'clearRequest' }),
    );
    head.append(actions);
    section.append(head);

    if (state.message || !response) {
      section.append(el('p', 'error request-error', state.message || 'No answer from the language server.'));
      return section;
    }
    if (response.error) {
      section.append(el('p', 'error request-error', 'This request cannot be routed: ' + response.error));
      return section;
    }
    const results = response.results || [];
    if (results.length === 0) {
      const p = el('p', 'verdict outcome-no-backend', 'No entry point of this file listens where this request arrives: check the URL\'s scheme and port, --port and --entry.');
      section.append(p);
      return section;
    }
    const count = results.length + (state.moreResults || 0);
    results.forEach((r, i) => section.append(renderResult(r, i, count)));
    if (state.moreResults) {
      section.append(el('p', 'placeholder', '… and ' + state.moreResults + ' more entry points take this request: add --entry NAME to test one of them.'));
    }
    return section;
  }

  /** `file:line` of an answer's part, for a tooltip or a label. */
  function where(x) {
    return x && x.line !== undefined ? (x.file ? x.file + ':' : 'line ') + x.line : '';
  }

  function renderResult(r, index, count) {
    const box = el('div', 'result outcome-' + r.outcome);
    box.setAttribute('aria-label', (count > 1 ? 'Entry point ' + (index + 1) + ' of ' + count + ': ' : '') + r.entry.name + ', ' + verdictText(r));
    box.append(el('p', 'verdict', verdictText(r)));
    // The servers' bars say it for a pool; anything else gets the server's own words (what answers, and why).
    if (r.outcome !== 'pool') box.append(el('p', 'summary', r.summary));

    const facts = el('dl', 'facts');
    const fact = (term, ...values) => {
      facts.append(el('dt', '', term));
      const dd = el('dd');
      dd.append(...values);
      facts.append(dd);
    };
    const bind = [r.entry.port !== undefined ? 'port ' + r.entry.port : '', r.entry.address || '', r.entry.tls ? 'TLS' : ''].filter(Boolean).join(', ');
    const entry = el('span', '', r.entry.name + (bind ? ' (' + bind + ')' : ''));
    entry.title = where(r.entry);
    fact('entry', entry);
    if (r.site) {
      const site = el('span', '', r.site.name);
      site.title = where(r.site);
      fact('site', site);
    }
    if (r.route) {
      const name = el('button', 'route-name link', r.route.name);
      name.type = 'button';
      name.title = 'Go to ' + where(r.route);
      name.setAttribute('aria-label', 'Route ' + r.route.name + ', go to ' + where(r.route));
      name.addEventListener('click', () => vscode.postMessage({ type: 'revealRequest', result: index }));
      fact('route', name, el('span', 'match inline', ' ' + r.route.match));
    } else {
      fact('route', el('span', 'placeholder', 'none matches'));
    }
    if (r.pools && r.pools.length > 1) fact('pools', el('span', '', r.pools.map((p) => p.name + ' ' + percent(p.share)).join(', ')));
    box.append(facts);

    if (r.servers && r.servers.length) {
      const list = el('ul', 'servers');
      r.servers.forEach((s, i) => list.append(renderAnswerServer(s, i, index, r.pools.length > 1)));
      box.append(list);
    }

    if (r.undecidable && r.undecidable.length) {
      const ul = el('ul', 'notes');
      for (const u of r.undecidable) ul.append(el('li', 'note undecidable', 'Not decidable here: ' + u));
      box.append(ul);
    }

    if (r.trace && r.trace.length) {
      const details = el('details', 'trace');
      details.append(el('summary', '', 'Trace: ' + r.trace.length + ' step' + (r.trace.length === 1 ? '' : 's') + ' considered'));
      const ol = el('ol', 'trace-steps');
      r.trace.forEach((t, i) => {
        const li = el('li', 'step result-' + t.result);
        const mark = el('span', 'mark', TRACE_MARK[t.result] || '·');
        mark.setAttribute('aria-label', t.result);
        li.append(mark, document.createTextNode(' ' + t.kind + ' '));
        if (t.line !== undefined) {
          const go = el('button', 'link step-name', t.name);
          go.type = 'button';
          go.title = 'Go to ' + where(t);
          go.addEventListener('click', () => vscode.postMessage({ type: 'revealRequest', result: index, trace: i }));
          li.append(go);
        } else {
          li.append(el('span', 'step-name', t.name));
        }
        li.append(el('span', 'why', ' — ' + t.why));
        ol.append(li);
      });
      details.append(ol);
      box.append(details);
    }
    return box;
  }

  /** The outcome in a few words: `→ pool api`, `Nothing routes this request · no backend · 404`, `Redirect · 301`. */
  function verdictText(r) {
    const status = r.status !== undefined ? ' · ' + r.status : '';
    const pools = (r.pools || []).map((p) => p.name);
    if (r.outcome === 'pool') return '→ ' + (pools.length > 1 ? 'pools ' + pools.join(' + ') : 'pool ' + (pools[0] || (r.pool && r.pool.name) || '?')) + status;
    if (r.outcome === 'no-backend') return 'Nothing routes this request · no backend' + status;
    const text = OUTCOME_TEXT[r.outcome] || r.outcome;
    return text.charAt(0).toUpperCase() + text.slice(1) + status;
  }

  /** A server of the answer: the preview's bar (not a failure toggle; the routes below have those). */
  function renderAnswerServer(server, i, resultIndex, showPool) {
    const li = el('li', 'server');
    const row = el('button', 'server-row answer state-' + server.state + (server.failed ? ' failed' : ''));
    row.type = 'button';
    const name = server.name || server.address;
    row.title = 'Go to ' + where(server);
    row.setAttribute(
      'aria-label',
      name + (server.address !== name ? ' (' + server.address + ')' : '') + (showPool ? ' in ' + server.pool : '') + ', ' + percent(server.share) + ' of this request\'s traffic, ' +
        (server.failed ? 'simulated failure' : server.state) + '. Press to go to its line.',
    );
    row.addEventListener('click', () => vscode.postMessage({ type: 'revealRequest', result: resultIndex, server: i }));
    appendBar(row, showPool ? server.pool + '/' + name : name, server);
    li.append(row);
    return li;
  }

  // ---- compare with HEAD ----------------------------------------------------------------------------------

  /** Signed percentage points, as `lb-lens diff` prints them. @param {number} points */
  function points(points) {
    if (Math.abs(points) < 0.05) return '±0';
    return (points > 0 ? '+' : '−') + String(Math.round(Math.abs(points) * 10) / 10);
  }

  /** @param {number | null} share */
  function percentOrDash(share) {
    return share === null || share === undefined ? '—' : percent(share);
  }

  /** @param {string} displayPath @param {string} base */
  function compareToolbar(displayPath, base) {
    fileEl.textContent = (displayPath ? displayPath + ' · ' : '') + base + ' → editor';
    fileEl.title = 'Traffic distribution of ' + (displayPath || 'this file') + ' in ' + base + ' and in the editor';
    resetEl.hidden = true;
    liveEl.hidden = false;
  }

  function renderComparison(c, displayPath, notice) {
    compareToolbar(displayPath || baseName(c.uri), c.base);
    const parts = [];
    const count = (status) => c.routes.filter((r) => r.status === status).length;
    const summary = el(
      'p',
      'cmp-summary',
      count('changed') + ' route(s) changed, ' + count('added') + ' added, ' + count('removed') + ' removed · ' +
        c.introduced.length + ' finding(s) introduced, ' + c.resolved.length + ' resolved',
    );
    parts.push(summary);
    if (notice) parts.push(el('p', 'cmp-notice', notice));

    const legend = el('div', 'cmp-legend');
    legend.setAttribute('aria-hidden', 'true');
    legend.append(el('span', 'swatch base'), document.createTextNode(' ' + c.base + '  '), el('span', 'swatch live'), document.createTextNode(' editor'));
    parts.push(legend);

    const findings = (title, list, cls) => {
      if (!list.length) return;
      const box = el('section', 'cmp-findings ' + cls);
      box.setAttribute('aria-label', title);
      box.append(el('h2', 'cmp-title', title));
      const ul = el('ul', 'notes');
      for (const d of list) {
        const li = el('li', 'finding sev-' + d.severity);
        li.append(el('span', 'rule', d.ruleId), document.createTextNode(' ' + d.message + ' '), el('span', 'where', d.path + ':' + d.line));
        ul.append(li);
      }
      box.append(ul);
      parts.push(box);
    };
    findings('New findings', c.introduced, 'introduced');
    findings('Resolved findings', c.resolved, 'resolved');

    if (!c.routes.length) parts.push(el('p', 'placeholder', 'No routes in this file, in ' + c.base + ' or in the editor.'));
    c.routes.forEach((route, i) => parts.push(renderComparedRoute(route, i, c.base)));
    routesEl.replaceChildren(...parts);
  }

  const STATUS_TEXT = { added: 'new route', removed: 'removed route', unchanged: 'unchanged' };

  function renderComparedRoute(route, index, base) {
    const section = el('section', 'route compared status-' + route.status);
    section.setAttribute('aria-label', 'Route ' + route.name + ', ' + (STATUS_TEXT[route.status] || 'changed'));

    const head = el('h2', 'route-head');
    if (route.status === 'removed') {
      head.append(el('span', 'route-name gone', route.name)); // only in HEAD: no line to go to
    } else {
      head.append(routeName(route, { type: 'revealCompared', index }));
    }
    head.append(el('span', 'pool', route.pool === null ? 'no pool' : '→ ' + route.pool));
    const badge =
      route.status === 'changed'
        ? el('span', 'badge shift', 'max shift ' + route.maxShift + ' pts')
        : el('span', 'badge status', STATUS_TEXT[route.status]);
    head.append(badge);
    section.append(head);

    // New or removed servers are marked only in a route both sides have.
    const paired = route.status === 'changed' || route.status === 'unchanged';
    appendRouteBody(section, route, route.rows, (row) => renderRow(row, paired, base));
    return section;
  }

  function renderRow(row, paired, base) {
    const mark = paired && row.before === null ? 'added' : paired && row.after === null ? 'removed' : '';
    const li = el('li', 'cmp-row' + (mark ? ' server-' + mark : ''));
    const delta = (row.after || 0) * 100 - (row.before || 0) * 100;
    li.setAttribute(
      'aria-label',
      row.name + (row.address && row.address !== row.name ? ' (' + row.address + ')' : '') + ': ' + base + ' ' + percentOrDash(row.before) +
        ', editor ' + percentOrDash(row.after) + ', ' + points(delta) + ' points' + (mark ? ', ' + (mark === 'added' ? 'new server' : 'removed server') : ''),
    );
    const label = el('span', 'server-name', row.name);
    label.title = row.address;
    const bars = el('span', 'cmp-bars');
    const pcts = el('span', 'cmp-pcts');
    for (const [cls, share, side] of [['base', row.before, base], ['live', row.after, 'editor']]) {
      const track = el('span', 'bar-track ' + cls + (share === null ? ' absent' : ''));
      track.title = side + ': ' + percentOrDash(share);
      if (share !== null) {
        const bar = el('span', 'bar');
        bar.style.width = percent(share); // CSSOM, allowed by the CSP (no inline style attribute)
        track.append(bar);
      }
      bars.append(track);
      pcts.append(el('span', 'pct ' + cls, percentOrDash(share)));
    }
    const shift = el('span', 'delta ' + (Math.abs(delta) < 0.05 ? 'same' : delta > 0 ? 'up' : 'down'), points(delta) + ' pts');
    const tag = el('span', 'state', mark === 'added' ? 'new' : mark === 'removed' ? 'removed' : '');
    for (const child of [label, bars, pcts, shift, tag]) child.setAttribute('aria-hidden', 'true');
    li.append(label, bars, pcts, shift, tag);
    return li;
  }
})();
