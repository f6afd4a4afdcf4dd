import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';

const base = mkdtempSync(path.join(tmpdir(), 'labmcp-config-'));
t.teardown(() => rmSync(base, { recursive: true, force: true }));

function run(pkg: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'packages', pkg, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', LABMCP_ENV_FILE: path.join(base, 'none.env'), LABMCP_DATA_DIR: path.join(base, 'data'), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const cases: [string, Record<string, string>, RegExp][] = [
  ['router', { ROUTER_PORT: 'eighty' }, /ROUTER_PORT: .*port number/],
  ['router', { ROUTER_RATE_LIMIT_BURST: '0' }, /ROUTER_RATE_LIMIT_BURST: must be at least 1/],
  ['router', { ROUTER_TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal' }, /ROUTER_TRUSTED_PROXIES.*must be IP addresses or CIDRs/],
  ['router', { ROUTER_OPS_TOKEN: 'short-token' }, /ROUTER_OPS_TOKEN: must be at least 24 characters \(got "\[redacted\]"\)/],
  ['router', { ROUTER_HEADERS_TIMEOUT_MS: '400000' }, /ROUTER_HEADERS_TIMEOUT_MS: must be at most 300000/],
  ['router', { ROUTER_SERVICE_HOSTS: 'quilt.example.com=quilt,benchling.example.com' }, /ROUTER_SERVICE_HOSTS: must be host=quilt or host=benchling/],
  ['router', { ROUTER_TLS_CERT_FILE: '/nonexistent/cert.pem' }, /ROUTER_TLS_CERT_FILE and ROUTER_TLS_KEY_FILE go together: set ROUTER_TLS_KEY_FILE/],
  [
    'router',
    { ROUTER_TLS_CERT_FILE: '/nonexistent/cert.pem', ROUTER_TLS_KEY_FILE: '/nonexistent/key.pem' },
    /ROUTER_TLS_CERT_FILE \/ ROUTER_TLS_KEY_FILE: .*ENOENT/,
  ],
  ['router', { ROUTER_HTTP_PORT: '8081' }, /ROUTER_HTTP_PORT is the plain-HTTP listener beside HTTPS/],
  ['router', { LABMCP_METRICS_USER_LABEL: 'email' }, /LABMCP_METRICS_USER_LABEL/],
  ['quilt-mcp', { LOG_LEVEL: 'chatty' }, /LOG_LEVEL/],
  ['quilt-mcp', { LABMCP_ACCESS_LOG: 'errors' }, /LABMCP_ACCESS_LOG/],
  ['benchling-sandbox', { LABMCP_AUDIT_LOG: 'maybe' }, /LABMCP_AUDIT_LOG: must be true or false/],
  ['quilt-mcp', { QUILT_REGISTRIES: 'http://not-a-registry' }, /QUILT_REGISTRIES/],
  ['quilt-mcp', { QUILT_JWT_SECRET: 'short' }, /QUILT_JWT_SECRET: must be at least 32 characters/],
  ['benchling-mcp', { BENCHLING_URL: 'tenant.benchling.com' }, /BENCHLING_URL: must be an http\(s\) URL/],
  ['benchling-mcp', { BENCHLING_KEY_MODE: 'service' }, /BENCHLING_API_KEY/],
  ['benchling-mcp', { BENCHLING_REJECTED_KEY_TTL_MS: '-5' }, /BENCHLING_REJECTED_KEY_TTL_MS: must be at least 0/],
  ['benchling-mcp', { BENCHLING_KEY_MODE: 'vault' }, /BENCHLING_VAULT_STORE=file needs BENCHLING_VAULT_FILE_KEY/],
  ['benchling-mcp', { BENCHLING_VAULT_FILE_KEY: 'not-32-bytes' }, /BENCHLING_VAULT_FILE_KEY: must be 32 random bytes .*\(got "\[redacted\]"\)/],
  ['benchling-mcp', { BENCHLING_VAULT_NAME_TEMPLATE: 'benchling/{tenant}/key' }, /BENCHLING_VAULT_NAME_TEMPLATE: must hold \{user_email\}/],
  ['benchling-mcp', { BENCHLING_KEY_MODE: 'vault', BENCHLING_VAULT_STORE: 'secrets-manager', HOME: base }, /no AWS region \(set BENCHLING_VAULT_AWS_REGION/],
  ['benchling-mcp', { BENCHLING_KEY_MODE: 'service', BENCHLING_API_KEY_FILE: '/nonexistent/key' }, /BENCHLING_API_KEY_FILE: cannot be read \(ENOENT\)/],
  ['quilt-mcp', { QUILT_JWT_SECRET_FILE: '/nonexistent/secret' }, /QUILT_JWT_SECRET_FILE: \/nonexistent\/secret cannot be used/],
  ['benchling-sandbox', { BENCHLING_SANDBOX_PORT: '-1' }, /BENCHLING_SANDBOX_PORT/],
];

for (const [pkg, env, message] of cases) {
  t.test(`${pkg} refuses ${Object.keys(env).join(', ')}`, async (t) => {
    const { code, stderr } = await run(pkg, env);
    t.equal(code, 78, 'exits with EX_CONFIG, which PM2 is told not to restart');
    t.match(stderr, message, 'names the variable and what is wrong');
    t.notMatch(stderr, /at .*\.js:\d+/, 'a message, not a stack trace');
  });
}
