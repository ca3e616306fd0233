// Webview side of the LB Lens traffic-distribution preview.
// Renders the PreviewFile the extension posts; user actions are posted back as messages.
// Builds the DOM with textContent only (never innerHTML): names come from user configuration.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const routesEl = /** @type {HTMLElement} */ (document.getElementById('routes'));
  const fileEl = /** @type {HTMLElement} */ (document.getElementById('file'));
  const resetEl = /** @type {HTMLButtonElement} */ (document.getElementById('reset'));

  resetEl.addEventListener('click', () => vscode.postMessage({ type: 'reset' }));

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
    }
  });

  // Paint the last state right away after a reload, then ask the extension for fresh data.
  const saved = vscode.getState();
  if (saved && saved.file) render(saved.file, saved.failed || [], saved.displayPath);
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
    const name = el('button', 'route-name link', route.name);
    name.type = 'button';
    name.title = 'Go to line ' + route.line;
    name.setAttribute('aria-label', 'Route ' + route.name + ', go to line ' + route.line);
    name.addEventListener('click', () => vscode.postMessage({ type: 'reveal', routeId: route.id }));
    head.append(name);
    head.append(el('span', 'pool', route.pool === null ? 'no pool' : '→ ' + route.pool));
    if (route.catchAll) head.append(el('span', 'badge', 'catch-all'));
    for (const f of route.findings || []) {
      const badge = el('span', 'badge finding sev-' + f.severity, f.ruleId);
      badge.title = f.message;
      badge.setAttribute('aria-hidden', 'true'); // the findings list below reads the same out
      head.append(badge);
    }
    section.append(head);

    const detail = [route.entry, route.match].filter(Boolean).join(' · ');
    if (detail) section.append(el('div', 'match', detail));

    if (route.servers && route.servers.length) {
      const list = el('ul', 'servers');
      for (const server of route.servers) list.append(renderServer(server));
      section.append(list);
    } else {
      section.append(el('p', 'placeholder', 'No servers receive traffic on this route.'));
    }

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
})();
