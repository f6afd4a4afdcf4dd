// Streamed (SSE) answers, direct vs through the router: time to response headers, to the first SSE event, between
// events, and to the end of the stream, one request at a time on a keep-alive connection.
import { Agent, request } from 'node:http';
import { percentile } from './util.js';

export interface SseShape {
  key: string;
  /** What exactly is sent, for the report. */
  description: string;
  headers: Record<string, string>;
  body: string;
}

export interface SseTiming {
  headersMs: number;
  firstEventMs: number;
  totalMs: number;
  events: number;
  gapsMs: number[];
  contentType: string;
  status: number;
}

export interface SseStats {
  shape: string;
  target: string;
  n: number;
  contentType: string;
  status: number;
  /** Median number of SSE events (data-bearing) per response; 0 when the answer was plain JSON. */
  events: number;
  headers: { p50: number; p95: number };
  firstEvent: { p50: number; p95: number };
  total: { p50: number; p95: number };
  /** Between consecutive events of one response; only when a response carried several. */
  gap?: { p50: number; p95: number };
}

function timeOne(agent: Agent, url: URL, shape: SseShape): Promise<SseTiming> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, headers: { ...shape.headers, 'content-length': String(Buffer.byteLength(shape.body)) } }, (res) => {
      const headersMs = performance.now() - started;
      const contentType = String(res.headers['content-type'] ?? '');
      const sse = contentType.startsWith('text/event-stream');
      let buffer = '';
      const eventTimes: number[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!sse) return;
        const now = performance.now() - started;
        buffer += chunk;
        // An event ends at a blank line; only events with a data field count (comments are keep-alives).
        for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          if (/^data:/m.test(block)) eventTimes.push(now);
        }
      });
      res.on('end', () => {
        const totalMs = performance.now() - started;
        const gapsMs: number[] = [];
        for (let i = 1; i < eventTimes.length; i++) gapsMs.push(eventTimes[i]! - eventTimes[i - 1]!);
        resolve({
          headersMs,
          firstEventMs: sse ? (eventTimes[0] ?? totalMs) : totalMs,
          totalMs,
          events: eventTimes.length,
          gapsMs,
          contentType,
          status: res.statusCode ?? 0,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('SSE request timed out')));
    req.end(shape.body);
  });
}

/** Alternates the targets request by request (so drift affects both alike), after a warm-up. */
export async function measureSse(targets: { key: string; url: string }[], shapes: SseShape[], iterations: number, warmup: number): Promise<SseStats[]> {
  const out: SseStats[] = [];
  for (const shape of shapes) {
    const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    const timings = targets.map(() => [] as SseTiming[]);
    try {
      for (let i = 0; i < warmup + iterations; i++) {
        for (let t = 0; t < targets.length; t++) {
          const timing = await timeOne(agents[t]!, new URL(targets[t]!.url), shape);
          if (timing.status !== 200) throw new Error(`${shape.key} via ${targets[t]!.key}: HTTP ${timing.status}`);
          if (i >= warmup) timings[t]!.push(timing);
        }
      }
    } finally {
      for (const agent of agents) agent.destroy();
    }
    targets.forEach((target, t) => {
      const list = timings[t]!;
      const pick = (f: (x: SseTiming) => number) => list.map(f);
      const gaps = list.flatMap((x) => x.gapsMs);
      const stat = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
      out.push({
        shape: shape.key,
        target: target.key,
        n: list.length,
        contentType: list[0]?.contentType ?? '',
        status: list[0]?.status ?? 0,
        events: percentile(
          pick((x) => x.events),
          50,
        ),
        headers: stat(pick((x) => x.headersMs)),
        firstEvent: stat(pick((x) => x.firstEventMs)),
        total: stat(pick((x) => x.totalMs)),
        ...(gaps.length > 0 && { gap: stat(gaps) }),
      });
    });
  }
  return out;
}

/**
 * The request shapes: the 2025-era (legacy) handshake and call with `Accept: application/json, text/event-stream`
 * (answered as SSE), and the current revision's call with a progress token (SSE only if the tool emits progress).
 */
export function sseShapes(token: string, tool: string, args: Record<string, unknown>): SseShape[] {
  const common = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const clientInfo = { name: 'labmcp-bench', version: '1.0.0' };
  const legacyVersion = '2025-11-25';
  const modernVersion = '2026-07-28';
  return [
    {
      key: 'legacy initialize',
      description: `2025-era \`initialize\` (protocolVersion ${legacyVersion}), stateless, \`Accept: application/json, text/event-stream\``,
      headers: common,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: legacyVersion, capabilities: {}, clientInfo } }),
    },
    {
      key: `legacy tools/call ${tool}`,
      description: `2025-era \`tools/call\` ${tool} with \`MCP-Protocol-Version: ${legacyVersion}\` and \`_meta.progressToken\`, \`Accept: application/json, text/event-stream\``,
      headers: { ...common, 'mcp-protocol-version': legacyVersion },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: args, _meta: { progressToken: 'bench' } } }),
    },
    {
      key: `${modernVersion} tools/call ${tool}`,
      description: `${modernVersion} \`tools/call\` ${tool} (per-request \`_meta\` envelope, \`Mcp-Method\`/\`Mcp-Name\` headers) with \`_meta.progressToken\`, \`Accept: application/json, text/event-stream\``,
      headers: { ...common, 'mcp-protocol-version': modernVersion, 'mcp-method': 'tools/call', 'mcp-name': tool },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: {
          name: tool,
          arguments: args,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': modernVersion,
            'io.modelcontextprotocol/clientInfo': clientInfo,
            'io.modelcontextprotocol/clientCapabilities': {},
            progressToken: 'bench',
          },
        },
      }),
    },
  ];
}
