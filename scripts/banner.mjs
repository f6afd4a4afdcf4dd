// Printed by `npm start` before the bundle comes up: where to connect and how to get a demo credential.
import { existsSync } from 'node:fs';
import path from 'node:path';

const envFile = process.env.LABMCP_ENV_FILE ?? path.resolve('.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);
const port = process.env.ROUTER_PORT || '8080';
const base = `http://localhost:${port}`;
const demoBenchling = !process.env.BENCHLING_URL;
const demoAuth = !process.env.QUILT_JWT_JWKS_URL && !process.env.QUILT_JWT_PUBLIC_KEY && !process.env.QUILT_JWT_SECRET;

const lines = [
  '',
  'labmcp is starting under PM2 (Ctrl-C stops it).',
  `  health:         curl ${base}/health`,
  `  Quilt MCP:      ${base}/quilt/mcp      (Authorization: Bearer <JWT>)`,
  `  Benchling MCP:  ${base}/benchling/mcp  (X-Benchling-API-Key: <key>)`,
  demoAuth ? '  demo JWT:       npm run token   (demo signing key; configure QUILT_JWT_* for real auth)' : '',
  demoBenchling ? '  demo Benchling: the bundled sandbox tenant; demo key: sandbox-key-alice (or sandbox-key-bob)' : '',
  '',
];
process.stdout.write(`${lines.filter((l) => l !== '').join('\n')}\n\n`);
