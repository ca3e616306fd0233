// UI tests driven like a user, through the code-server page in Chromium (playwright-core): clicks, keys, the
// command palette, the webview. Run by scripts/e2e.mjs (`npm run test:e2e`), in order: each step builds on the
// one before. Screenshots go to test-results/e2e/; the README's images are refreshed in docs/images/.
import fs from 'node:fs';
import path from 'node:path';

const T = 30_000;

/** The preview webview's document: VS Code nests it as iframe.webview → #active-frame. */
const webview = (page) => page.frameLocator('iframe.webview').frameLocator('#active-frame');

/** Saves test-results/e2e/<name>.png; `copyTo` (repo-relative, committed) is written when missing, or always
 * with LB_LENS_E2E_UPDATE_IMAGES=1, so that CI runs leave the working tree clean. */
async function shot(ctx, name, { copyTo, clip } = {}) {
  const file = path.join(ctx.results, `${name}.png`);
  await ctx.page.screenshot({ path: file, clip });
  if (copyTo) {
    const dest = path.join(ctx.root, copyTo);
    if (!fs.existsSync(dest) || process.env.LB_LENS_E2E_UPDATE_IMAGES === '1') {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(file, dest);
      ctx.log(`updated ${copyTo}`);
    }
  }
  return file;
}

function explorerRow(page, name) {
  const exact = new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: exact });
}

export const uiTests = [
  {
    name: 'the workbench opens the examples folder',
    async run({ page, port, workspace }) {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await explorerRow(page, 'incident').waitFor({ timeout: 60_000 });
    },
  },
  {
    name: 'opening incident/nginx.conf from the explorer shows the LB101 squiggle and inlay hints',
    async run({ page }) {
      await explorerRow(page, 'incident').click();
      const file = explorerRow(page, 'nginx.conf').first();
      await file.waitFor({ timeout: T });
      await file.click();
      await page.locator('.monaco-editor .view-lines', { hasText: 'proxy_pass http://app;' }).waitFor({ timeout: T });
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
      await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: T });
      // Inlay hints are rendered as decorations after the line's text.
      await page.locator('.monaco-editor .view-line', { hasText: '10.0.1.11:8080 100%' }).waitFor({ timeout: T });
      const status = page.locator('.statusbar-item', { hasText: 'LB Lens 2' });
      await status.waitFor({ timeout: T });
    },
  },
  {
    name: 'Problems (Ctrl+Shift+M) lists the findings with their rule ids',
    async run(ctx) {
      const { page } = ctx;
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Shift+M');
      const panel = page.locator('.markers-panel');
      await panel.locator('.monaco-list-row', { hasText: 'LB101' }).first().waitFor({ timeout: T });
      await panel.locator('.monaco-list-row', { hasText: 'LB102' }).first().waitFor({ timeout: T });
      await page.waitForTimeout(300);
      await shot(ctx, 'editor-problems');
    },
  },
  {
    name: 'hovering a server shows its share and what its failure does',
    async run(ctx) {
      const { page } = ctx;
      const line = page.locator('.monaco-editor .view-line', { hasText: 'server 10.0.2.21:9000 weight=9' });
      await line.waitFor({ timeout: T });
      const token = line.locator('span > span', { hasText: /10\.0\.2\.21/ }).first();
      await token.hover();
      const hover = page.locator('.monaco-hover:visible', { hasText: 'if it fails' });
      await hover.waitFor({ timeout: T });
      const text = await hover.innerText();
      if (!/90%/.test(text)) throw new Error(`hover without the share: ${text}`);
      await page.waitForTimeout(300);
      await shot(ctx, 'editor', { copyTo: 'docs/images/editor.png' });
      await page.mouse.move(5, 450);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'the command palette runs "LB Lens: Show Traffic Distribution" and the preview renders one bar per server',
    async run(ctx) {
      const { page } = ctx;
      await page.locator('.monaco-editor .view-lines').first().click(); // focus the editor: the command needs an nginx editor
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: T });
      await input.fill('>LB Lens: Show Traffic Distribution');
      const item = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Traffic Distribution' }).first();
      await item.waitFor({ timeout: T });
      await page.keyboard.press('Enter');
      const wv = webview(page);
      await wv.locator('.route').first().waitFor({ timeout: 60_000 });
      const routes = await wv.locator('.route').count();
      if (routes !== 2) throw new Error(`expected 2 routes in the preview, found ${routes}`);
      await wv.locator('.server-row', { hasText: '10.0.2.21:9000' }).waitFor({ timeout: T });
      const pct = await wv.locator('.server-row', { hasText: '10.0.2.21:9000' }).locator('.pct').innerText();
      if (pct.trim() !== '90%') throw new Error(`10.0.2.21:9000 shows ${pct}`);
      await wv.locator('.route .finding', { hasText: 'LB101' }).first().waitFor({ timeout: T });
      const header = (await wv.locator('#file').innerText()).trim();
      if (header !== 'incident/nginx.conf · nginx') throw new Error(`preview header: ${header}`);
      await page.keyboard.press('Control+J'); // hide the panel and the side bar: more room for editor and preview
      await page.keyboard.press('Control+B');
      await page.waitForTimeout(500);
      await shot(ctx, 'preview');
    },
  },
  {
    name: 'clicking a server in the preview simulates its failure; Reset restores it',
    async run(ctx) {
      const { page } = ctx;
      const wv = webview(page);
      const row = wv.locator('.server-row', { hasText: '10.0.2.21:9000' });
      await row.click();
      await wv.locator('.server-row.failed', { hasText: '10.0.2.21:9000' }).waitFor({ timeout: T });
      const other = wv.locator('.server-row', { hasText: '10.0.2.22:9000' }).locator('.pct');
      await expectText(other, '100%');
      if ((await row.getAttribute('aria-pressed')) !== 'true') throw new Error('the failed server is not aria-pressed');
      await page.waitForTimeout(300);
      await shot(ctx, 'preview-failure', { copyTo: 'docs/images/preview.png' });
      // The webview alone, for the walkthrough (shipped in the .vsix: keep it small).
      const box = await page.locator('iframe.webview').first().boundingBox();
      if (box) await shot(ctx, 'preview-webview', { copyTo: 'media/walkthrough/preview.png', clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 420) } });
      // Keyboard: the Reset button is reachable and restores the distribution.
      const reset = wv.locator('#reset');
      await reset.focus();
      await page.keyboard.press('Enter');
      await expectText(wv.locator('.server-row', { hasText: '10.0.2.21:9000' }).locator('.pct'), '90%');
    },
  },
  {
    name: '"LB Lens: Test a Request…": a typed request is checked as it is typed, then shown above the routes with its route, pool and trace',
    async run(ctx) {
      const { page } = ctx;
      await page.locator('.monaco-editor .view-lines').first().click(); // the nginx editor: the command tests its document
      await runCommand(page, 'LB Lens: Test a Request', 'Test a Request');
      // No recent request yet: straight to the input box, which documents the syntax.
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget', { hasText: '--sni' }).waitFor({ timeout: T });
      await input.focus();
      await page.keyboard.type('GET http://shop.example.com/api/users -H "X-Canary: yes', { delay: 5 });
      await page.locator('.quick-input-widget', { hasText: 'unterminated double quote' }).waitFor({ timeout: T });
      await page.keyboard.type('"');
      await page.locator('.quick-input-widget', { hasText: 'unterminated' }).waitFor({ state: 'detached', timeout: T });
      await page.keyboard.press('Enter');

      const wv = webview(page);
      const result = wv.locator('.request .result', { hasText: 'location /api/' });
      await result.waitFor({ timeout: 60_000 });
      const line = (await wv.locator('.request .request-line').innerText()).trim();
      if (line !== 'GET http://shop.example.com/api/users -H "X-Canary: yes"') throw new Error(`request line: ${line}`);
      await expectText(result.locator('.server-row', { hasText: '10.0.2.21:9000' }).locator('.pct'), '90%');
      await expectText(result.locator('.server-row', { hasText: '10.0.2.22:9000' }).locator('.pct'), '10%');
      const verdict = (await result.locator('.verdict').innerText()).trim();
      if (verdict !== '→ pool api') throw new Error(`verdict: ${verdict}`);
      // The trace is collapsed until asked for.
      const trace = result.locator('details.trace');
      if ((await trace.getAttribute('open')) !== null) throw new Error('the trace starts open');
      await trace.locator('summary').click();
      await result.locator('.trace-steps .step', { hasText: 'longest matching prefix' }).waitFor({ timeout: T });
      // Examples under the routes, each with its Test button.
      // (examples name the site's host since nginx routing is on the engine: GET http://shop.example.com/api/)
      await wv.locator('.route .example', { hasText: /GET \S*\/api\// }).first().waitFor({ timeout: T });
      await page.waitForTimeout(500);
      await shot(ctx, 'request', { copyTo: 'docs/images/request.png' });
      const box = await page.locator('iframe.webview').first().boundingBox();
      if (box) await shot(ctx, 'request-webview', { copyTo: 'media/walkthrough/request.png', clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 520) } });
    },
  },
  {
    name: 'a route example\'s Test button routes it; the command then offers the recent requests before "New request…"',
    async run(ctx) {
      const { page } = ctx;
      const wv = webview(page);
      const root = wv.locator('.route', { has: wv.locator('.route-name', { hasText: /^location \/$/ }) });
      const example = (await root.locator('.example-request').innerText()).trim();
      await root.locator('.example .test').click();
      await expectText(wv.locator('.request .result .facts .route-name').first(), 'location /');
      await page.locator('.monaco-editor .view-lines').first().click();
      await runCommand(page, 'LB Lens: Test a Request', 'Test a Request');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.filter({ hasText: 'New request' }).first().waitFor({ timeout: T });
      const labels = (await rows.allInnerTexts()).map((t) => t.trim().split('\n')[0]);
      if (labels[0] !== example) throw new Error(`the example just tested (${example}) comes first; quick pick rows: ${labels.join(' | ')}`);
      if (!labels.some((l) => l.includes('-H "X-Canary: yes"'))) throw new Error(`the typed request is not among the recent ones: ${labels.join(' | ')}`);
      await page.keyboard.press('Escape');
      // Edit… in the Request section opens the input box on the tested request.
      await wv.locator('.request button', { hasText: 'Edit' }).click();
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget', { hasText: '--sni' }).waitFor({ timeout: T });
      const end = Date.now() + T;
      while ((await input.inputValue()) !== example && Date.now() < end) await page.waitForTimeout(100);
      if ((await input.inputValue()) !== example) throw new Error(`Edit… opened the input box with "${await input.inputValue()}"`);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: '"New request…" starts from the last request; a request the server rejects is an error in the Request section',
    async run(ctx) {
      const { page } = ctx;
      const wv = webview(page);
      await page.locator('.monaco-editor .view-lines').first().click();
      await runCommand(page, 'LB Lens: Test a Request', 'Test a Request');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'New request' }).first();
      await row.waitFor({ timeout: T });
      await row.click();
      await page.locator('.quick-input-widget', { hasText: '--sni' }).waitFor({ timeout: T });
      const input = page.locator('.quick-input-widget input');
      // The input box is shown before its value is set: wait for it (as for Edit… above).
      const end = Date.now() + T;
      while (!(await input.inputValue()).startsWith('GET ') && Date.now() < end) await page.waitForTimeout(100);
      if (!(await input.inputValue()).startsWith('GET ')) throw new Error(`New request… starts empty: "${await input.inputValue()}"`);
      await input.fill('GET ftp://shop.example.com/');
      await page.keyboard.press('Enter');
      await wv.locator('.request .request-error', { hasText: 'unsupported scheme "ftp"' }).waitFor({ timeout: T });
      if ((await wv.locator('.request .result').count()) !== 0) throw new Error('an error and a result at once');
      await shot(ctx, 'request-error');
    },
  },
  {
    name: 'with "lbLens.traffic.logs" in the workspace settings, the preview shows logged bars, route rates, drift and unroutable requests',
    async run(ctx) {
      const { page, workspace } = ctx;
      // What a user writes in .vscode/settings.json: the example's access log.
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'lbLens.traffic.logs': ['replay/access.log'] }, null, 2));
      // Open replay/nginx.conf with Quick Open (F1, then a file name instead of a command); the preview follows.
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: T });
      await input.fill('replay/nginx.conf');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'nginx.conf' }).first().waitFor({ timeout: T });
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines', { hasText: 'log_format main' }).waitFor({ timeout: T });
      const wv = webview(page);
      await wv.locator('.traffic .traffic-summary', { hasText: '600 requests' }).waitFor({ timeout: 60_000 });
      const header = (await wv.locator('#file').innerText()).trim();
      if (header !== 'replay/nginx.conf · nginx') throw new Error(`preview header: ${header}`);
      const route = wv.locator('.route', { has: wv.locator('.route-name', { hasText: /^location \/$/ }) });
      await expectText(route.locator('.logged-route'), '353 logged requests (58.8%) · peak 13 req/s · busiest minute 1.88 req/s');
      await expectText(route.locator('.server-row', { hasText: '10.0.1.11:8080' }).locator('.pct.logged'), '⚠ 49.0%');
      await route.locator('.notes .drift', { hasText: 'Drift in app' }).waitFor({ timeout: T });
      await wv.locator('.unrouted .unrouted-row', { hasText: 'location = /old-shop' }).waitFor({ timeout: T });
      // Inlay hints in the editor carry the logged share.
      // Inlay hints in the editor: the route's logged share on its first line.
      const routeLine = page.locator('.monaco-editor .view-line', { hasText: 'location / {' }).first();
      await routeLine.waitFor({ timeout: T });
      const lineText = async () => ((await routeLine.textContent()) ?? '').replace(/\s+/g, ' ').trim(); // (the editor writes nbsp)
      const end = Date.now() + T;
      while ((await lineText()) !== 'location / { logged 58.8% ⚠ drift' && Date.now() < end) await page.waitForTimeout(200);
      if ((await lineText()) !== 'location / { logged 58.8% ⚠ drift') throw new Error(`the route's line and its inlay hint: "${await lineText()}"`);
      await page.waitForTimeout(500);
      await shot(ctx, 'replay', { copyTo: 'docs/images/replay.png' });
    },
  },
];

/** F1, type the command's title, wait for its row, Enter. */
async function runCommand(page, title, rowText) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
}

async function expectText(locator, text, timeout = T) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = (await locator.innerText().catch(() => '')).trim();
    if (last === text) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected "${text}", got "${last}"`);
}
