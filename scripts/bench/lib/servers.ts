// Each MCP server's own cost per request, against its ceiling: `tools/list` (both eras) and a no-I/O `tools/call`
// straight to quilt-mcp / benchling-mcp, each paired with a plain node:http server (plain-server.ts) answering the
// very bytes the server answered, measured in the same run, interleaved in rounds. Ratio = server req/s over plain
// req/s, median of per-round pairs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runLoad } from './load.js';
import { isInterrupted, spawnChild } from './processes.js';
import { cpuMs } from './procfs.js';
import { demoToken, directBundle } from './services.js';
import { fmt, fmtInt, freePort, log, median, repoRoot, waitFor } from './util.js';

export interface ServerWorkload {
  key: string;
  description: string;
  server: 'quilt-mcp' | 'benchling-mcp';
  headers: Record<string, string>;
  body: string;
  /** Bytes of the answer (the plain server answers the same). */
  answerBytes?: number;
}

export interface ServerWorkloadResult {
  key: string;
  description: string;
  answerBytes: number;
  roundServerRps: number[];
  roundPlainRps: number[];
  roundRatios: number[];
  ratio: number;
  serverRps: number;
  plainRps: number;
  serverCpuMsPerRequest: number;
  plainCpuMsPerRequest: number;
  non2xx: number;
  errors: number;
}

export interface ServersResults {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  workloads: ServerWorkloadResult[];
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const clientInfo = { name: 'labmcp-bench', version: '1.0.0' };
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': clientInfo,
  'io.modelcontextprotocol/clientCapabilities': {},
};

function workloads(quiltToken: string): ServerWorkload[] {
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const quilt = { ...json, authorization: `Bearer ${quiltToken}` };
  const benchling = { ...json, 'x-benchling-api-key': 'sandbox-key-alice' };
  return [
    {
      key: 'quilt tools/list (2025)',
      description: `quilt-mcp \`tools/list\`, 2025-era (\`MCP-Protocol-Version: ${LEGACY}\`, no initialize), \`Accept: application/json\``,
      server: 'quilt-mcp',
      headers: { ...quilt, 'mcp-protocol-version': LEGACY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    },
    {
      key: `quilt tools/list (${MODERN})`,
      description: `quilt-mcp \`tools/list\`, ${MODERN} (per-request \`_meta\`, \`Mcp-Method\` header), \`Accept: application/json, text/event-stream\``,
      server: 'quilt-mcp',
      headers: { ...quilt, accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } }),
    },
    {
      key: 'benchling tools/list (2025)',
      description: `benchling-mcp \`tools/list\`, 2025-era, \`Accept: application/json\``,
      server: 'benchling-mcp',
      headers: { ...benchling, 'mcp-protocol-version': LEGACY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    },
    {
      key: `benchling tools/list (${MODERN})`,
      description: `benchling-mcp \`tools/list\`, ${MODERN}, \`Accept: application/json, text/event-stream\``,
      server: 'benchling-mcp',
      headers: { ...benchling, accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } }),
    },
    {
      key: 'quilt tools/list (2025, SSE)',
      description: `quilt-mcp \`tools/list\`, 2025-era, \`Accept: application/json, text/event-stream\` (what the SDK clients send: the answer is a one-event SSE stream)`,
      server: 'quilt-mcp',
      headers: { ...quilt, accept: 'application/json, text/event-stream', 'mcp-protocol-version': LEGACY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    },
    {
      key: 'benchling tools/list (2025, SSE)',
      description: `benchling-mcp \`tools/list\`, 2025-era, \`Accept: application/json, text/event-stream\``,
      server: 'benchling-mcp',
      headers: { ...benchling, accept: 'application/json, text/event-stream', 'mcp-protocol-version': LEGACY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    },
    {
      key: 'quilt tools/call registries_list (2025)',
      description: "quilt-mcp `tools/call` `registries_list` (no I/O), 2025-era, `Accept: application/json` (the overhead phase's request)",
      server: 'quilt-mcp',
      headers: quilt,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } }),
    },
  ];
}

export interface ServersOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  serverEnv?: Record<string, string>;
  /** Only workloads whose key contains one of these. */
  only?: string[];
}

export async function measureServers(options: ServersOptions): Promise<ServersResults> {
  const bundle = await directBundle(options.serverEnv ?? {});
  const token = await demoToken(bundle.dataDir);
  await bundle.start('benchling-sandbox');
  await bundle.start('quilt-mcp');
  await bundle.start('benchling-mcp');
  const url = (name: 'quilt-mcp' | 'benchling-mcp') => `http://127.0.0.1:${bundle.ports[name]}/mcp`;
  const list = workloads(token).filter((w) => !options.only?.length || options.only.some((o) => w.key.includes(o)));

  // What each server answers, byte for byte: the plain server answers exactly that.
  const answers: Record<string, { contentType: string; body: string }> = {};
  for (const [i, w] of list.entries()) {
    const res = await fetch(url(w.server), { method: 'POST', headers: w.headers, body: w.body, signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (res.status !== 200 || !/"result"/.test(body) || /"isError":true/.test(body)) throw new Error(`${w.key}: ${res.status} ${body.slice(0, 300)}`);
    answers[`/w${i}`] = { contentType: res.headers.get('content-type') ?? 'application/json', body };
    w.answerBytes = Buffer.byteLength(body);
  }
  const answersFile = path.join(bundle.base, 'plain-answers.json');
  writeFileSync(answersFile, JSON.stringify(answers));
  const plainPort = await freePort();
  const plain = spawnChild(
    'plain-server',
    process.execPath,
    ['--import=tsx', path.join(repoRoot, 'scripts/bench/lib/plain-server.ts'), String(plainPort), answersFile],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? bundle.base },
      cwd: repoRoot,
      logFile: path.join(bundle.logDir, 'plain-server.log'),
    },
  );
  await waitFor(
    'plain server',
    async () => (await fetch(`http://127.0.0.1:${plainPort}/w0`, { method: 'POST', body: '{}' }).catch(() => undefined))?.status === 200 || 'not yet',
    20_000,
  );

  const results: ServerWorkloadResult[] = [];
  for (const [i, w] of list.entries()) {
    const serverPid = bundle.children[w.server]!.pid;
    const paths = [
      { kind: 'server' as const, url: url(w.server), pid: serverPid },
      { kind: 'plain' as const, url: `http://127.0.0.1:${plainPort}/w${i}`, pid: plain.pid },
    ];
    const r: ServerWorkloadResult = {
      key: w.key,
      description: w.description,
      answerBytes: w.answerBytes ?? 0,
      roundServerRps: [],
      roundPlainRps: [],
      roundRatios: [],
      ratio: Number.NaN,
      serverRps: 0,
      plainRps: 0,
      serverCpuMsPerRequest: 0,
      plainCpuMsPerRequest: 0,
      non2xx: 0,
      errors: 0,
    };
    const totals = { server: { ok: 0, s: 0, cpu: 0 }, plain: { ok: 0, s: 0, cpu: 0 } };
    for (let round = 0; round < options.rounds && !isInterrupted(); round++) {
      const order = round % 2 === 0 ? paths : [...paths].reverse();
      const rps: Record<string, number> = {};
      for (const p of order) {
        await runLoad({ url: p.url, headers: w.headers, body: w.body, connections: options.connections, durationS: options.warmupS });
        const cpuBefore = cpuMs(p.pid);
        const run = await runLoad({ url: p.url, headers: w.headers, body: w.body, connections: options.connections, durationS: options.durationS });
        const cpu = cpuMs(p.pid) - cpuBefore;
        rps[p.kind] = run.ok / run.durationS;
        totals[p.kind].ok += run.ok;
        totals[p.kind].s += run.durationS;
        totals[p.kind].cpu += cpu;
        r.non2xx += run.non2xx;
        r.errors += run.errors;
      }
      r.roundServerRps.push(rps.server!);
      r.roundPlainRps.push(rps.plain!);
      r.roundRatios.push(rps.server! / rps.plain!);
      log(`${w.key} round ${round + 1}: server ${fmtInt(rps.server)} req/s, plain ${fmtInt(rps.plain)} req/s, ratio ${fmt(rps.server! / rps.plain!)}`);
    }
    r.ratio = median(r.roundRatios);
    r.serverRps = totals.server.ok / totals.server.s;
    r.plainRps = totals.plain.ok / totals.plain.s;
    r.serverCpuMsPerRequest = totals.server.cpu / totals.server.ok;
    r.plainCpuMsPerRequest = totals.plain.cpu / totals.plain.ok;
    results.push(r);
  }
  return { connections: options.connections, durationS: options.durationS, warmupS: options.warmupS, rounds: options.rounds, workloads: results };
}

export function renderServers(s: ServersResults): string {
  const lines = [
    '## Servers direct vs a plain node:http server answering the same bytes',
    '',
    `${s.connections} connections, keep-alive, ${s.rounds} rounds of ${s.warmupS} s warm-up + ${s.durationS} s measured per path, server and plain alternating; ratio = median of per-round server/plain. Target: ≥ 0.5.`,
    '',
    '| workload | answer bytes | server req/s | plain req/s | ratio | server CPU ms/req | plain CPU ms/req | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const w of s.workloads) {
    const bad = w.non2xx || w.errors ? ` (${w.non2xx} non-2xx, ${w.errors} errors)` : '';
    lines.push(
      `| ${w.key} | ${fmtInt(w.answerBytes)} | ${fmtInt(w.serverRps)} | ${fmtInt(w.plainRps)} | ${fmt(w.ratio)} | ${fmt(w.serverCpuMsPerRequest, 3)} | ${fmt(w.plainCpuMsPerRequest, 3)} | ${w.ratio >= 0.5 ? 'PASS' : 'MISS'}${bad} |`,
    );
  }
  lines.push('', ...s.workloads.map((w) => `- ${w.key}: ${w.description}`), '');
  return lines.join('\n');
}
