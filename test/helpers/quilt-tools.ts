/**
 * What the quilt-mcp integration tests share: a quilt-mcp process on the local registry or on a moto_server bucket,
 * a writer's token, both eras of the official MCP client, a registry target to put and get raw objects with, and
 * calls that must succeed or must be refused.
 */
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import type { Test } from 'tap';
import { pyQuote } from '../../packages/quilt-mcp/src/registry/physical-keys.js';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { bucketObjects, MOTO_CREDENTIALS, type Moto, startMoto } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { connectLegacy, connectModern, type McpTestClient } from './mcp-clients.js';
import { freePort } from './ports.js';
import { type QuiltInstances, startQuiltInstances } from './quilt-instances.js';

type AwsCredentials = { accessKeyId: string; secretAccessKey: string };

/** The structured answer of a call that must succeed; throws with the tool's text when it does not. */
export async function ok(client: McpTestClient, name: string, args: Record<string, unknown>): Promise<Any> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent as Any;
}

/** The error text of a call that must be refused; throws with (the start of) the answer when it is not. */
export async function refused(client: McpTestClient, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool(name, args);
  if (!result.isError) throw new Error(`${name} was expected to fail: ${JSON.stringify(result.structuredContent).slice(0, 300)}`);
  return result.content?.[0]?.text ?? '';
}

/** A demo token for writer@example.com with the read and write scopes (and AWS credentials, for S3 registries). */
export function writerToken(dataDir: string, aws?: AwsCredentials): Promise<string> {
  return mintDemoToken({
    dataDir,
    subject: 'writer@example.com',
    scopes: ['read:packages', 'write:packages'],
    ...(aws && { awsCredentials: aws }),
  });
}

/** A modern and a legacy client with a writer's token, closed at the end of `t`. */
export async function writerClients(t: Test, dataDir: string, url: string, aws?: AwsCredentials): Promise<[McpTestClient, McpTestClient]> {
  const token = await writerToken(dataDir, aws);
  const clients: [McpTestClient, McpTestClient] = [
    await connectModern(url, { authorization: `Bearer ${token}` }),
    await connectLegacy(url, { authorization: `Bearer ${token}` }),
  ];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  return clients;
}

/** A registry as a test sees it: how tools name it, how physical keys start, and its raw objects. */
export interface RegistryTarget {
  /** The tools' `registry` argument; undefined for the default (local) registry. */
  registry: string | undefined;
  /** What physical keys start with: file:///root or s3://bucket. */
  prefix: string;
  put: (key: string, body: string) => Promise<void>;
  get: (key: string) => Promise<Buffer | undefined>;
  clients: [McpTestClient, McpTestClient];
}

/** One quilt-mcp process on its own local registry (not seeded unless `env` says so), stopped at the end of `t`. */
export async function localQuilt(t: Test, env: Record<string, string> = {}): Promise<{ instances: QuiltInstances; target: RegistryTarget }> {
  const instances = await startQuiltInstances({ count: 1, env: { QUILT_SEED_DEMO: 'false', ...env } });
  t.teardown(() => instances.stop());
  const root = instances.registryRoot;
  const target: RegistryTarget = {
    registry: undefined,
    prefix: `file://${pyQuote(realpathSync(root))}`,
    put: async (key, body) => {
      mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
      writeFileSync(path.join(root, key), body);
    },
    get: async (key) => readFileSync(path.join(root, key)),
    clients: await writerClients(t, instances.dataDir, instances.urls[0] as string),
  };
  return { instances, target };
}

/** The settings that point quilt-mcp at `bucket` on moto_server, as its only registry. */
export function motoQuiltEnv(moto: Moto, bucket: string): Record<string, string> {
  return {
    QUILT_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    QUILT_SEED_DEMO: 'false',
    QUILT_REGISTRIES: `s3://${bucket}`,
    AWS_ENDPOINT_URL: moto.endpoint,
  };
}

/**
 * moto_server with `bucket` (versioned when asked) and one quilt-mcp process whose only registry it is, both
 * stopped at the end of `t`; the clients' token carries moto's credentials.
 */
export async function motoQuilt(
  t: Test,
  bucket: string,
  options: { versioned?: boolean; env?: Record<string, string> } = {},
): Promise<{ moto: Moto; instances: QuiltInstances; target: RegistryTarget }> {
  const moto = await startMoto(await freePort(), [bucket], options.versioned ? [bucket] : []);
  t.teardown(() => moto.close());
  const instances = await startQuiltInstances({ count: 1, env: { ...motoQuiltEnv(moto, bucket), ...options.env } });
  t.teardown(() => instances.stop());
  const store = bucketObjects(moto.client, bucket);
  const target: RegistryTarget = {
    registry: `s3://${bucket}`,
    prefix: `s3://${bucket}`,
    put: (key, body) => store.put(key, body),
    get: (key) => store.get(key),
    clients: await writerClients(t, instances.dataDir, instances.urls[0] as string, MOTO_CREDENTIALS),
  };
  return { moto, instances, target };
}
