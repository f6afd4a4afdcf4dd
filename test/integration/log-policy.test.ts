// Which request lines a process writes: audit lines survive a log level turned down to warnings (only
// LABMCP_AUDIT_LOG=off or LOG_LEVEL=silent drop them), and LABMCP_ACCESS_LOG keeps all access lines, only the
// failures, or none. Each case runs a real quilt-mcp and reads what it wrote.

import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { jsonLogLines, type LogLine, startBundle } from '../helpers/bundle.js';
import { ask } from '../helpers/raw-answer.js';

const json = { 'content-type': 'application/json', accept: 'application/json' };
const listRegistries = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } });

interface Line extends LogLine {
  level: string;
  msg: string;
  audit?: boolean;
  tool?: string;
  userId?: string;
  res?: { statusCode: number };
}

/** One authorised tool call and one refused request (401) against a quilt-mcp started with `env`; what it logged. */
async function linesOf(env: Record<string, string>): Promise<Line[]> {
  const bundle = await startBundle({ only: ['quilt-mcp'], env });
  try {
    const url = `http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`;
    const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'dana', scopes: ['read:packages'], expiresIn: '1h' });
    const ok = await ask(url, { ...json, authorization: `Bearer ${token}` }, listRegistries);
    if (ok.status !== 200) throw new Error(`the tool call answered ${ok.status}: ${ok.body.toString()}`);
    const refused = await ask(url, json, listRegistries);
    if (refused.status !== 401) throw new Error(`the call without a token answered ${refused.status}`);
    // Lines go out at the end of the event loop's turn (LABMCP_LOG_BATCH_MS=0); the access line when the response closes.
    await new Promise((r) => setTimeout(r, 300));
    return jsonLogLines(bundle.logs()) as Line[];
  } finally {
    await bundle.stop();
  }
}

const auditOf = (lines: Line[]) => lines.filter((l) => l.audit === true && l.tool === 'registries_list');
const accessOf = (lines: Line[], status: number) => lines.filter((l) => l.res?.statusCode === status && /^request /.test(l.msg));
const listening = (lines: Line[]) => lines.some((l) => l.msg === 'quilt-mcp listening');

t.test('LOG_LEVEL=warn: the audit line is still written, at info; info access lines are not', async (t) => {
  const lines = await linesOf({ LOG_LEVEL: 'warn' });
  t.notOk(listening(lines), 'the level is warn: other info lines are gone');
  const audit = auditOf(lines);
  t.equal(audit.length, 1, 'one audit line for the call');
  t.equal(audit[0]?.level, 'info', 'written at info');
  t.equal(audit[0]?.userId, 'dana', 'naming the caller');
  t.match(audit[0]?.traceId, /^[0-9a-f]{32}$/, 'in the request’s trace, like any other line');
  t.equal(accessOf(lines, 200).length, 0, 'no access line for the 200 (info)');
  t.equal(accessOf(lines, 401).length, 1, 'the 401’s access line (warn)');
});

t.test('LABMCP_ACCESS_LOG=failures, LABMCP_AUDIT_LOG=off', async (t) => {
  const lines = await linesOf({ LABMCP_ACCESS_LOG: 'failures', LABMCP_AUDIT_LOG: 'off' });
  t.ok(listening(lines), 'the level is info');
  t.equal(auditOf(lines).length, 0, 'no audit line');
  t.equal(accessOf(lines, 200).length, 0, 'no access line for the 200');
  t.equal(accessOf(lines, 401).length, 1, 'the 401’s access line');
});

t.test('LABMCP_ACCESS_LOG=off: no access line at all; the defaults write both', async (t) => {
  const off = await linesOf({ LABMCP_ACCESS_LOG: 'off' });
  t.equal(accessOf(off, 200).length + accessOf(off, 401).length, 0, 'no access lines');
  t.equal(auditOf(off).length, 1, 'the audit line');
  const defaults = await linesOf({});
  t.equal(accessOf(defaults, 200).length, 1, 'by default: the 200’s access line');
  t.equal(accessOf(defaults, 401).length, 1, 'and the 401’s');
  t.equal(auditOf(defaults).length, 1, 'and the audit line');
});

t.test('LOG_LEVEL=silent: nothing, audit lines included', async (t) => {
  const lines = await linesOf({ LOG_LEVEL: 'silent' });
  t.equal(lines.length, 0, 'no line at all');
});
