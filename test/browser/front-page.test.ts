/**
 * The router's front page in a real headless browser: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH)
 * driven by playwright-core, against the whole bundle. The page loads with no console error and no request leaving
 * the bundle, shows each server's state (and a stopped one as down within seconds), offers client configurations
 * filled in with the router's URL (the same as docs/clients.md's), and its charts move while traffic flows. A
 * screenshot is left in test-artifacts/ (git-ignored).
 *
 * Needs Chromium (Debian package `chromium`): CI (CI=true) fails without it, a developer's machine skips.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { repoRoot, startBundle } from '../helpers/bundle.js';

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags of the issue: no GPU, no QUIC, and none of Chromium's own traffic (updates, sync, field trials).
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const OPS_TOKEN = 'browser-test-ops-token-0123456789abcdef';

if (!existsSync(chromiumPath)) {
  const message = `Chromium is not installed at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (inCI) throw new Error(`${message} (CI=true: required here, see .ci/run)`);
  t.plan(0, message);
} else {
  await main();
}

async function main(): Promise<void> {
  t.setTimeout(120_000);
  // 127.0.0.1 as a trusted proxy lets a page of the test say it comes from elsewhere (X-Forwarded-For).
  const bundle = await startBundle({ env: { ROUTER_OPS_TOKEN: OPS_TOKEN, ROUTER_TRUSTED_PROXIES: '127.0.0.1' } });
  t.teardown(() => bundle.stop());
  const base = bundle.routerUrl;
  const profile = mkdtempSync(path.join(tmpdir(), 'labmcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 1600 },
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });

  // Every request the browser makes, and any that would leave the bundle (answered by nobody: aborted).
  const requested: string[] = [];
  const outside: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requested.push(url);
    if (url.startsWith(`${base}/`)) await route.continue();
    else {
      outside.push(url);
      await route.abort();
    }
  });
  const consoleErrors: string[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));

  t.test('the page loads, and its script renders the figures', async (t) => {
    const response = await page.goto(`${base}/`, { waitUntil: 'load' });
    t.equal(response?.status(), 200, 'the page is served at /');
    await page.locator('.figures[data-service="quilt-mcp"] svg[data-chart="requests"][data-points]').waitFor({ state: 'attached', timeout: 10_000 });
    t.pass('the first poll drew the charts');
  });

  t.test('states of the servers, with versions, tools and demo modes', async (t) => {
    for (const service of ['quilt-mcp', 'benchling-mcp']) {
      const row = page.locator(`tr[data-service="${service}"]`);
      t.equal(await row.locator('[data-field="status"]').textContent(), 'ok', `${service} reads ok`);
      t.match(await row.locator('[data-field="version"]').textContent(), /^\d+\.\d+\.\d+/, `${service} shows its version`);
      t.ok(Number(await row.locator('[data-field="tools"]').textContent()) > 5, `${service} shows its tool count`);
    }
    t.equal(await page.locator('tr[data-service="quilt-mcp"] [data-field="mode"]').textContent(), 'demo auth');
    t.equal(await page.locator('tr[data-service="benchling-mcp"] [data-field="mode"]').textContent(), 'demo sandbox');
    const warnings = await page.locator('#warnings li').allTextContents();
    t.ok(
      warnings.some((w) => /demo auth/.test(w) && /real users/.test(w)),
      'the demo-auth warning of the logs is on the page',
    );
    t.ok(
      warnings.some((w) => /sandbox/.test(w)),
      'the sandbox warning is on the page',
    );
    t.notOk(await page.locator('text=/mcp once').count(), 'no "once the router serves it" note: it does');
    t.ok((await page.locator(`code:text-is("${base}/mcp")`).count()) > 0, 'the one-connection /mcp URL is on the page');
  });

  t.test('client configurations: this server URL, as docs/clients.md writes them, and copyable', async (t) => {
    const docs = readFileSync(path.join(repoRoot, 'docs/clients.md'), 'utf8');
    const jsonBlocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!.replaceAll('http://localhost:8080', base)) as unknown);
    const claude = JSON.parse((await page.locator('#config-claude-desktop').textContent()) ?? '') as unknown;
    t.same(claude, jsonBlocks[0], "the Claude Desktop / mcp-remote configuration is docs/clients.md's with this server's URL");
    const cursor = JSON.parse((await page.locator('#config-cursor').textContent()) ?? '') as { mcpServers: Record<string, { url: string }> };
    const documentedCursor = jsonBlocks[1] as { mcpServers: Record<string, { url: string; headers: Record<string, string> }> };
    t.same(
      Object.fromEntries(Object.entries(cursor.mcpServers).map(([k, v]) => [k, v.url])),
      Object.fromEntries(Object.entries(documentedCursor.mcpServers).map(([k, v]) => [k, v.url])),
      "Cursor's URLs are docs/clients.md's with this server's URL",
    );
    const vscode = JSON.parse((await page.locator('#config-vscode').textContent()) ?? '') as { servers: Record<string, { type: string; url: string }> };
    t.same(
      Object.values(vscode.servers).map((s) => [s.type, s.url]),
      [
        ['http', `${base}/quilt/mcp`],
        ['http', `${base}/benchling/mcp`],
        ['http', `${base}/mcp`],
      ],
    );
    for (const id of ['claude-desktop', 'cursor', 'vscode', 'inspector', 'curl']) {
      const text = (await page.locator(`#config-${id}`).textContent()) ?? '';
      const urls = text.match(/https?:\/\/[^\s"']+/g) ?? [];
      t.ok(urls.length > 0, `${id}: names a URL`);
      t.same(
        urls.filter((u) => !u.startsWith(`${base}/`)),
        [],
        `${id}: every URL is this server's`,
      );
      t.notMatch(text, /eyJ[\w-]+\.[\w-]+\./, `${id}: no token on the page`);
    }
    // The copy button puts exactly the block on the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.locator('button[data-copy="config-curl"]').click();
    await page.locator('button[data-copy="config-curl"]:text-is("Copied")').waitFor({ timeout: 5000 });
    const copied = await page.evaluate('navigator.clipboard.readText()');
    t.equal(copied, await page.locator('#config-curl').textContent(), 'the clipboard holds the curl block');
  });

  t.test('the charts move while traffic flows, from the counters /metrics exports', async (t) => {
    const total = (service: string, chart: string) =>
      page.locator(`.figures[data-service="${service}"] svg[data-chart="${chart}"]`).getAttribute('data-total').then(Number);
    const before = { quilt: await total('quilt-mcp', 'requests'), benchling: await total('benchling-mcp', 'requests') };
    const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
    const post = (url: string, headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    // Within the router's burst for credentials it has not seen accepted yet (20 per address), then past it.
    const quiltStatuses = await Promise.all(Array.from({ length: 10 }, () => post(`${base}/quilt/mcp`, { authorization: `Bearer ${token}` })));
    t.same([...new Set(quiltStatuses)], [200], 'the Quilt calls succeed');
    const benchlingStatuses = await Promise.all(Array.from({ length: 5 }, () => post(`${base}/benchling/mcp`, { 'x-benchling-api-key': 'sandbox-key-alice' })));
    t.same([...new Set(benchlingStatuses)], [200], 'the Benchling calls succeed');
    // Made-up keys from the same address: past the burst, the router refuses them (429).
    const refused = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`${base}/benchling/mcp`, { 'x-benchling-api-key': `made-up-${i}` })));
    t.ok(
      refused.some((s) => s === 429),
      'some made-up keys are refused by the rate limit',
    );
    const waitFor = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (await check()) return t.pass(what);
        await page.waitForTimeout(250);
      }
      t.fail(`${what}: not within 10 s`);
    };
    await waitFor('the Quilt requests chart shows the calls', async () => (await total('quilt-mcp', 'requests')) >= before.quilt + 10);
    await waitFor('the Benchling requests chart shows the calls', async () => (await total('benchling-mcp', 'requests')) >= before.benchling + 45);
    await waitFor('the Benchling rate-limit chart shows the refusals', async () => (await total('benchling-mcp', 'rateLimited')) > 0);
    await waitFor('the Quilt latency chart has points', async () => (await total('quilt-mcp', 'latencyMs')) > 0);
    // A line needs two samples; on a busy machine the page may have drawn only one by now (it samples every 2 s).
    const points = async () =>
      ((await page.locator('.figures[data-service="quilt-mcp"] svg[data-chart="requests"] polyline').getAttribute('points')) ?? '').split(' ').filter(Boolean)
        .length;
    await waitFor('the chart is drawn as a line', async () => (await points()) >= 2);
    t.match(await page.locator('.figures[data-service="quilt-mcp"] [data-field="totals"]').textContent(), /\d+ requests/);
  });

  t.test('a stopped server reads down within seconds, and its failures show as errors', async (t) => {
    const started = Date.now();
    await bundle.kill('quilt-mcp');
    await page.locator('tr[data-service="quilt-mcp"] [data-field="status"]:text-is("down")').waitFor({ timeout: 8000 });
    t.pass(`quilt-mcp reads down after ${Date.now() - started} ms`);
    t.equal(await page.locator('tr[data-service="benchling-mcp"] [data-field="status"]').textContent(), 'ok', 'benchling-mcp still reads ok');
    const res = await fetch(`${base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await res.arrayBuffer();
    t.equal(res.status, 503, 'the router answers 503 for the stopped server');
    await page
      .locator('.figures[data-service="quilt-mcp"] svg[data-chart="errors"]:not([data-total="0"])')
      .waitFor({ timeout: 10_000 })
      .then(() => t.pass('the errors chart shows the 503'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await screenshot(page, path.join(ARTIFACTS, 'front-page-quilt-down.png'));
    await bundle.start('quilt-mcp');
    await page.locator('tr[data-service="quilt-mcp"] [data-field="status"]:text-is("ok")').waitFor({ timeout: 8000 });
    t.pass('quilt-mcp reads ok again once it is back');
  });

  t.test('from elsewhere than loopback: the states only, and the details with the operations token', async (t) => {
    const remote = await context.newPage();
    t.teardown(() => remote.close());
    remote.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(`remote page ${msg.type()}: ${msg.text()}`);
    });
    remote.on('pageerror', (err) => consoleErrors.push(`remote page error: ${err.message}`));
    await remote.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.9' });
    await remote.goto(`${base}/`, { waitUntil: 'load' });
    t.equal(await remote.locator('body').getAttribute('data-access'), 'status');
    t.equal(await remote.locator('tr[data-service="quilt-mcp"] [data-field="status"]').textContent(), 'ok', 'the state is shown');
    t.equal(await remote.locator('tr[data-service="quilt-mcp"] [data-field="version"]').textContent(), '—', 'no version');
    t.equal(await remote.locator('svg[data-chart]').count(), 0, 'no figures');
    await remote.locator('#ops-token').fill('not-the-operations-token-000000');
    await remote.locator('#ops-show').click();
    await remote.locator('#ops-result:text("did not accept")').waitFor({ timeout: 5000 });
    t.pass('a wrong token is refused');
    await remote.locator('#ops-token').fill(OPS_TOKEN);
    await remote.locator('#ops-show').click();
    await remote.locator('.figures[data-service="quilt-mcp"] svg[data-chart="requests"][data-points]').waitFor({ state: 'attached', timeout: 10_000 });
    t.match(await remote.locator('tr[data-service="quilt-mcp"] [data-field="version"]').textContent(), /^\d+\.\d+\.\d+/, 'with the token: the version');
    t.equal(await remote.locator('tr[data-service="quilt-mcp"] [data-field="mode"]').textContent(), 'demo auth', 'and the mode');
    t.notOk(await remote.content().then((html) => html.includes(OPS_TOKEN)), 'the token is not written into the page');
  });

  t.test('nothing left the bundle and nothing went wrong in the page', async (t) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'front-page.png');
    await screenshot(page, file);
    t.ok(existsSync(file), `screenshot written to ${path.relative(repoRoot, file)}`);
    t.same(outside, [], 'no request left the bundle');
    const paths = new Set(requested.map((u) => new URL(u).pathname));
    t.ok(
      paths.has('/front-page/page.js') && paths.has('/front-page/page.css') && paths.has('/front-page/summary.json'),
      'script, style and summary came from the router',
    );
    t.same(consoleErrors, [], 'no console errors or warnings (a CSP violation would be one)');
  });
}

async function screenshot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: file, fullPage: true });
}
