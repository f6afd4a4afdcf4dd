import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The provenance a packaged Benchling entry carries in its package metadata (user_meta), under `benchling`.
 * Documented in the README ("Benchling provenance in Quilt packages"); `format` changes when its meaning does.
 */
export const PROVENANCE_FORMAT = 'labmcp.benchling-provenance/1';

export const BENCHLING_ID = /^(etr|seq|prtn|bfi)_[A-Za-z0-9]{1,64}$/;

export type BenchlingObjectType = 'entry' | 'dna_sequence' | 'aa_sequence' | 'custom_entity';

export const TYPE_OF_PREFIX: Record<string, BenchlingObjectType> = { etr: 'entry', seq: 'dna_sequence', prtn: 'aa_sequence', bfi: 'custom_entity' };

export const provenanceObject = z.object({
  type: z.enum(['entry', 'dna_sequence', 'aa_sequence', 'custom_entity']),
  id: z.string(),
  name: z.string().nullable(),
  web_url: z.string().nullable(),
  schema_id: z.string().nullable(),
  files: z.array(z.string()),
  digest: z.string().describe('sha256 of what was packaged of the object (its files), to tell later whether it changed'),
});

export type ProvenanceObject = z.infer<typeof provenanceObject>;

export const provenanceSchema = z.object({
  format: z.literal(PROVENANCE_FORMAT),
  tenant: z.string().nullable(),
  entry_id: z.string(),
  write_back_field: z.string().nullable().describe("The entry field the package's Quilt+ URI is written to; not part of the packaged entry"),
  objects: z.array(provenanceObject),
  content_digest: z.string(),
  retrieved_at: z.string(),
  tool: z.object({ name: z.string(), version: z.string() }),
});

export type Provenance = z.infer<typeof provenanceSchema>;

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** One digest for everything packaged: same objects with the same contents, same digest. */
export function contentDigest(objects: ProvenanceObject[]): string {
  return sha256(
    objects
      .map((o) => `${o.type} ${o.id} ${o.digest}`)
      .sort()
      .join('\n'),
  );
}

/** The provenance in a package's metadata, if it holds one of this format. */
export function provenanceOf(userMeta: unknown): Provenance | undefined {
  const candidate = (userMeta as { benchling?: unknown } | null | undefined)?.benchling;
  const parsed = provenanceSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** The tenant's web origin (https://tenant.benchling.com), from an object's web URL. */
export function tenantOf(webUrl: string | null): string | null {
  if (!webUrl) return null;
  try {
    return new URL(webUrl).origin;
  } catch {
    return null;
  }
}
