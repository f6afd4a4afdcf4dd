import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandOutput,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type KeyStore, KeyStoreUnavailableError } from './store.js';

export interface SecretsManagerStoreOptions {
  /** Default: the SDK's chain (AWS_REGION, the profile). */
  region?: string | undefined;
  /** For Secrets Manager-compatible test servers (moto_server) and VPC endpoints. */
  endpoint?: string | undefined;
  /** One lookup's time limit, retries included, so a store that hangs is a quick 503 rather than a stuck request. */
  timeoutMs: number;
}

/**
 * AWS Secrets Manager through the AWS SDK, with the SDK's usual credential chain (environment, profile, the
 * instance's or task's role). The secret's value is the key itself, or JSON with an `api_key` field.
 */
export class SecretsManagerKeyStore implements KeyStore {
  readonly kind = 'secrets-manager' as const;
  readonly location: string;
  private readonly client: SecretsManagerClient;

  constructor(private readonly options: SecretsManagerStoreOptions) {
    this.client = new SecretsManagerClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: Math.min(options.timeoutMs, 2000), requestTimeout: options.timeoutMs },
    });
    this.location = `AWS Secrets Manager${options.endpoint ? ` at ${new URL(options.endpoint).host}` : ''}${options.region ? ` in ${options.region}` : ''}`;
  }

  /** The region the SDK settled on; throws when there is none (checked at start). */
  async region(): Promise<string> {
    return this.client.config.region();
  }

  async get(name: string, signal?: AbortSignal): Promise<string | undefined> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }), {
        abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return keyOf(out.SecretString);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(err, timeout.aborted);
    }
  }

  async put(name: string, key: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: key }));
    } catch (err) {
      if (!isMissing(err)) throw this.unavailable(err, false);
      await this.client.send(new CreateSecretCommand({ Name: name, SecretString: key, Description: 'A Benchling API key for benchling-mcp (key mode vault)' }));
    }
  }

  async remove(name: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.unavailable(err, false);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    // Bounded: 100 pages of 100 names.
    for (let page = 0; page < 100; page++) {
      const out: ListSecretsCommandOutput = await this.client.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100, ...(token ? { NextToken: token } : {}) }),
      );
      for (const s of out.SecretList ?? []) if (s.Name?.startsWith(prefix)) names.push(s.Name);
      token = out.NextToken;
      if (!token) break;
    }
    return names.sort();
  }

  close(): void {
    this.client.destroy();
  }

  /** What went wrong, for the operator: the AWS error's name and what to check, never its payload. */
  private unavailable(err: unknown, timedOut: boolean): KeyStoreUnavailableError {
    const name = (err as { name?: string })?.name ?? 'Error';
    if (timedOut || name === 'AbortError' || name === 'TimeoutError') {
      return new KeyStoreUnavailableError(`${this.location} did not answer within ${this.options.timeoutMs} ms.`);
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'InvalidSignatureException') {
      return new KeyStoreUnavailableError(`${this.location} refuses this server (${name}): it needs secretsmanager:GetSecretValue on the users' key names.`);
    }
    if (name === 'CredentialsProviderError')
      return new KeyStoreUnavailableError(`No AWS credentials were found for ${this.location} (the SDK's default chain).`);
    return new KeyStoreUnavailableError(`${this.location} cannot be reached or failed (${/^[A-Za-z]{1,64}$/.test(name) ? name : 'error'}).`);
  }
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'ResourceNotFoundException';
}

function keyOf(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (text.startsWith('{')) {
    try {
      const key = (JSON.parse(text) as { api_key?: unknown }).api_key;
      return typeof key === 'string' && key.trim() ? key.trim() : undefined;
    } catch {
      return text;
    }
  }
  return text;
}
