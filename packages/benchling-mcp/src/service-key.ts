import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '@labmcp/service-kit';

/**
 * The shared service key (key modes service/either): BENCHLING_API_KEY, fixed for the life of the process, or
 * BENCHLING_API_KEY_FILE, read again when the file changes (checked at most once a second, and at once when
 * Benchling refuses the key in use), so rotating it is: create the new key in Benchling, replace the file's
 * content (atomically: write another file and rename it over), then revoke the old key. No restart, no failed
 * request: a request that went out with the old key after it was revoked is retried with the new one.
 */
export class ServiceKey {
  private value: string | undefined;
  private stamp: string | undefined;
  private checkedAt = 0;

  constructor(
    private readonly source: { value?: string | undefined; file?: string | undefined },
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {
    if (source.value && source.file) throw new Error('set BENCHLING_API_KEY or BENCHLING_API_KEY_FILE, not both');
    this.value = source.value;
    if (source.file) {
      const loaded = this.load(source.file);
      if (!loaded.ok) throw new Error(`BENCHLING_API_KEY_FILE: ${loaded.problem}`);
    }
  }

  get configured(): boolean {
    return this.value !== undefined;
  }

  /** The key to use now. */
  current(): string | undefined {
    if (this.source.file && Date.now() - this.checkedAt >= 1000) this.reload(this.source.file);
    return this.value;
  }

  /** After Benchling refused `refused`: the file's key when it is another one (to retry with), else undefined. */
  refresh(refused: string): string | undefined {
    if (this.source.file) this.reload(this.source.file);
    return this.value !== refused ? this.value : undefined;
  }

  private reload(file: string): void {
    this.checkedAt = Date.now();
    const loaded = this.load(file);
    if (!loaded.ok) this.logger?.warn({ file, problem: loaded.problem }, 'BENCHLING_API_KEY_FILE cannot be read; keeping the service key in use');
    else if (loaded.changed) this.logger?.info({ file }, 'service key reloaded from BENCHLING_API_KEY_FILE');
  }

  private load(file: string): { ok: true; changed: boolean } | { ok: false; problem: string } {
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (stamp === this.stamp) return { ok: true, changed: false };
      if (s.size > 4096) return { ok: false, problem: 'the file is larger than a key (4 KB)' };
      const key = readFileSync(file, 'utf8').trim();
      if (!key || /\s/.test(key)) return { ok: false, problem: 'the file must hold exactly one key' };
      const changed = this.value !== undefined && key !== this.value;
      this.value = key;
      this.stamp = stamp;
      return { ok: true, changed };
    } catch (err) {
      return { ok: false, problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
}
