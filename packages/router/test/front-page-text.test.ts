import t from 'tap';
import { formatUptime, modeText, totalsText } from '../src/front-page/browser/summary-text.js';

t.test('uptime: seconds, minutes, hours and minutes, days and hours', async (t) => {
  t.equal(formatUptime(undefined), '—');
  t.equal(formatUptime(59), '59 s');
  t.equal(formatUptime(61), '1 min');
  t.equal(formatUptime(3 * 3600 + 125), '3 h 2 min');
  t.equal(formatUptime(2 * 86_400 + 5 * 3600 + 59), '2 d 5 h');
});

t.test('mode: what is known of demo auth and the sandbox', async (t) => {
  t.equal(modeText({}), '—');
  t.equal(modeText({ demoAuth: true }), 'demo auth');
  t.equal(modeText({ demoAuth: false, sandbox: false }), 'JWT verification, Benchling tenant');
  t.equal(modeText({ sandbox: true }), 'demo sandbox');
});

t.test('totals: sums over the window, the mean latency weighted by requests', async (t) => {
  const points = [
    { requests: 3, errors: 1, rateLimited: 0, latencyMs: 10 },
    { requests: 1, errors: 0, rateLimited: 2, latencyMs: 30 },
    { requests: 0, errors: 0, rateLimited: 0, latencyMs: null },
  ];
  t.equal(totalsText(points, 900), 'Last 15 minutes: 4 requests, 1 errors, mean latency 15.0 ms, 2 rate-limit refusals.');
  t.equal(totalsText([], 600), 'Last 10 minutes: 0 requests, 0 errors, mean latency — ms, 0 rate-limit refusals.');
});
