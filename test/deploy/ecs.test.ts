/**
 * deploy/ecs/*.task.json: Fargate task definitions that register as written, run the image's own entry points,
 * and whose container health check really passes against the server it guards (run here with the task's
 * environment, on a free loopback port).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';
import { freePort } from '../helpers/ports.js';
import { cleanEnv, runCommand, startProc, waitForOk } from './helpers/procs.js';

interface TaskDefinition {
  family: string;
  requiresCompatibilities: string[];
  networkMode: string;
  cpu: string;
  memory: string;
  executionRoleArn: string;
  containerDefinitions: {
    name: string;
    image: string;
    essential: boolean;
    command: string[];
    portMappings: { containerPort: number; protocol: string }[];
    environment: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
    stopTimeout?: number;
    logConfiguration: { logDriver: string; options: Record<string, string> };
    mountPoints?: { sourceVolume: string; containerPath: string }[];
    readonlyRootFilesystem?: boolean;
  }[];
  volumes?: { name: string }[];
}

// Fargate's CPU units and the memory (MiB) each allows.
const FARGATE: Record<string, (m: number) => boolean> = {
  '256': (m) => [512, 1024, 2048].includes(m),
  '512': (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  '1024': (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  '2048': (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  '4096': (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
};

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');

for (const [file, pkg, portVar, hostVar] of [
  ['quilt-mcp.task.json', 'quilt-mcp', 'QUILT_MCP_PORT', 'QUILT_MCP_HOST'],
  ['benchling-mcp.task.json', 'benchling-mcp', 'BENCHLING_MCP_PORT', 'BENCHLING_MCP_HOST'],
] as const) {
  t.test(file, async (t) => {
    const task = JSON.parse(readFileSync(path.join(repoRoot, 'deploy', 'ecs', file), 'utf8')) as TaskDefinition;
    t.same(task.requiresCompatibilities, ['FARGATE']);
    t.equal(task.networkMode, 'awsvpc', 'Fargate needs awsvpc');
    t.ok(FARGATE[task.cpu]?.(Number(task.memory)), `cpu ${task.cpu} / memory ${task.memory} is a Fargate size`);
    t.match(task.executionRoleArn, /^arn:aws:iam::/, 'an execution role (image pull, logs, secrets)');
    t.equal(task.containerDefinitions.length, 1);
    const c = task.containerDefinitions[0]!;
    t.equal(c.name, pkg);
    t.ok(c.essential);
    t.same(c.command, ['node', `packages/${pkg}/dist/main.js`], 'runs the server directly, no PM2');
    t.ok(dockerfile.includes(`COPY --from=build /app/packages/${pkg}/dist packages/${pkg}/dist`), 'the image holds that entry point');
    const env = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
    const port = c.portMappings[0]?.containerPort;
    t.equal(env[portVar], String(port), `${portVar} is the mapped container port`);
    t.equal(env[hostVar], '0.0.0.0', `${hostVar}: reachable from the load balancer`);
    t.equal(env.LABMCP_DATA_DIR, '/app/data');
    for (const s of c.secrets ?? []) t.match(s.valueFrom, /^arn:aws:(secretsmanager|ssm):/, `secret ${s.name} comes from Secrets Manager / SSM`);
    const secretNames = new Set((c.secrets ?? []).map((s) => s.name));
    t.notOk(
      c.environment.some((e) => secretNames.has(e.name)),
      'no secret also set as plain environment',
    );
    t.equal(c.logConfiguration.logDriver, 'awslogs');
    for (const k of ['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']) t.ok(c.logConfiguration.options[k], k);
    t.ok((c.stopTimeout ?? 30) >= 10, 'stopTimeout leaves the 8 s drain time');
    t.equal(c.healthCheck.command[0], 'CMD', 'exec form (no shell in the check)');
    t.match(c.healthCheck.command.join(' '), new RegExp(`127\\.0\\.0\\.1:${port}/health`), 'checks its own /health');
    t.ok(c.healthCheck.timeout < c.healthCheck.interval, 'timeout shorter than interval');
    if (c.readonlyRootFilesystem) {
      const paths = (c.mountPoints ?? []).map((m) => m.containerPath);
      t.ok(paths.includes('/app/data') && paths.includes('/tmp'), 'a read-only root still has writable /app/data and /tmp');
    }

    t.test('the container health check passes against the running server', async (t) => {
      t.ok(existsSync(path.join(repoRoot, 'packages', pkg, 'dist', 'main.js')), 'built');
      const base = mkdtempSync(path.join(tmpdir(), 'labmcp-ecs-'));
      const local = await freePort();
      const runEnv = cleanEnv(
        { ...env, [portVar]: String(local), [hostVar]: '127.0.0.1', LABMCP_DATA_DIR: path.join(base, 'data'), LABMCP_ENV_FILE: path.join(base, 'no.env') },
        { HOME: base },
      );
      // Placeholders stand in for real values: only what this server needs to start is replaced.
      if (runEnv.BENCHLING_URL?.includes('<')) runEnv.BENCHLING_URL = 'https://tenant.example.com';
      for (const [k, v] of Object.entries(runEnv)) if (v.includes('<')) delete runEnv[k];
      const proc = startProc(pkg, process.execPath, c.command.slice(1), { cwd: repoRoot, env: runEnv, logDir: base });
      t.teardown(async () => {
        await proc.stop();
        rmSync(base, { recursive: true, force: true });
      });
      await waitForOk(`http://127.0.0.1:${local}/health`, 20_000, () => proc.exited()).catch((err: Error) => t.fail(`${err.message}\n${proc.log()}`));
      const check = c.healthCheck.command.slice(1).map((a) => a.replace(`127.0.0.1:${port}`, `127.0.0.1:${local}`));
      const ok = await runCommand(check[0] === 'node' ? process.execPath : (check[0] ?? ''), check.slice(1), {
        cwd: base,
        env: cleanEnv({}),
        timeoutMs: 15_000,
      });
      t.equal(ok.code, 0, 'healthy');
      await proc.stop();
      const down = await runCommand(check[0] === 'node' ? process.execPath : (check[0] ?? ''), check.slice(1), {
        cwd: base,
        env: cleanEnv({}),
        timeoutMs: 15_000,
      });
      t.not(down.code, 0, 'unhealthy once the server is gone');
    });
  });
}
