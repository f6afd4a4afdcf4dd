// `npm run token [-- --sub alice --scope read:packages,write:packages --ttl 8h]`: prints a JWT for demo auth.
// Only the token goes to stdout, so `TOKEN=$(npm run --silent token)` works.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const envFile = process.env.LABMCP_ENV_FILE ?? path.resolve('.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'demo-user' },
    scope: { type: 'string', default: 'read:packages,write:packages' },
    ttl: { type: 'string', default: '8h' },
  },
});

if (process.env.QUILT_JWT_JWKS_URL || process.env.QUILT_JWT_PUBLIC_KEY || process.env.QUILT_JWT_SECRET) {
  process.stderr.write('A real JWT verification key is configured (QUILT_JWT_*): get a token from your identity provider; demo tokens would be refused.\n');
  process.exit(1);
}

let auth;
try {
  auth = await import('../packages/service-kit/dist/auth/index.js');
} catch {
  process.stderr.write('The bundle is not built yet: run `npm start` (or `npm run build`) first.\n');
  process.exit(1);
}
const dataDir = path.resolve(process.env.LABMCP_DATA_DIR || 'data');
const token = await auth.mintDemoToken({
  dataDir,
  subject: values.sub,
  scopes: values.scope
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  expiresIn: values.ttl,
});
process.stdout.write(`${token}\n`);
