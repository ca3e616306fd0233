// Webview side of the LB Lens traffic-distribution preview.
// Renders the PreviewFile the extension posts — or, in compare mode, the DocumentComparison with HEAD;
// user actions are posted back as messages.
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
      vscode.setState({ file: msg.file, failed: msg.failed, displayPath: msg.displayPath });
      render(msg.file, msg.failed || [], msg.displayPath);
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
  if (saved && saved.file) render(saved.file, saved.failed || [], saved.displayPath);
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

  function render(file, failed, displayPath) {
    // The workspace-relative path when the extension knows it; the full path in the tooltip.
    fileEl.textContent = (displayPath || baseName(file.path)) + ' · ' + file.format;
    fileEl.title = file.path;
    resetEl.hidden = false;
    liveEl.hidden = true;
    const down = failed.length ? failed.length + ' simulated failure' + (failed.length === 1 ? '' : 's') : '';
    resetEl.title = down ? 'Reset ' + down : 'No simulated failures';
    resetEl.disabled = failed.length === 0;
    if (!file.routes || file.routes.length === 0) {
      showMessage('placeholder', 'No routes found in this file.');
      return;
    }
    routesEl.replaceChildren(...file.routes.map(renderRoute));
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
    appendRouteBody(section, route, route.servers, renderServer);

    const findings = route.findings || [];
    const notes = route.notes || [];
    if (findings.length || notes.length) {
      const ul = el('ul', 'notes');
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

    const label = el('span', 'server-name', server.name);
    const track = el('span', 'bar-track');
    const bar = el('span', 'bar');
    bar.style.width = percent(server.share); // CSSOM, allowed by the CSP (no inline style attribute)
    track.append(bar);
    const pct = el('span', 'pct', percent(server.share));
    const tag = el('span', 'state', server.failed ? 'failed' : server.state === 'active' ? '' : server.state);
    button.append(label, track, pct, tag);
    li.append(button);
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
