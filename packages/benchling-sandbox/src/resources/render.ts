import type { Snapshot } from '../store/tenant-store.js';
import type {
  AaSequenceRecord,
  AssayResultRecord,
  AssayRunRecord,
  BoxRecord,
  ContainerRecord,
  CustomEntityRecord,
  DnaSequenceRecord,
  EntityRecord,
  EntryNote,
  EntryRecord,
  FieldDefinitionRecord,
  FolderRecord,
  LocationRecord,
  PlateRecord,
  ProjectRecord,
  RnaSequenceRecord,
  SchemaRecord,
  StorageRecord,
  UserRecord,
} from '../store/types.js';
import { apiRange } from './features.js';
import { renderFields } from './fields.js';
import type { Visibility } from './visibility.js';

/**
 * Turns stored records into Benchling's response objects (components.schemas.Entry, DnaSequence, ...). Every
 * property the spec describes is present, in Benchling's types, so clients see what the real API sends.
 * `baseUrl` is where this sandbox is reachable; apiURL/webURL point there (the sandbox has no web UI, so
 * webURL is only a well-formed link).
 */
export class Renderer {
  constructor(
    private readonly snapshot: Snapshot,
    private readonly baseUrl: string,
    /** who reads the answer: links inside notes have a webURL only where the reader has access */
    private readonly visibility?: Visibility,
  ) {}

  /**
   * components.schemas.EntryLink. "webURL: Canonical URL of the linked Benchling resource (if you have at least
   * READ authorization for that resource), or the explicit URL provided as hyperlink for 'link' types. Note:
   * locations do not currently have a URL." and "id: ... Omitted for 'link' types."
   */
  link(l: NonNullable<EntryNote['links']>[number]): Record<string, unknown> {
    if (l.type === 'link') return { type: 'link', webURL: l.webURL ?? null };
    return { id: l.id, type: l.type, webURL: l.id ? this.webUrlFor(l.type, l.id) : null };
  }

  private webUrlFor(type: string, id: string): string | null {
    const v = this.visibility;
    if (!v) return null;
    const entityUrl = (e: EntityRecord | undefined) =>
      e && v.filed(e) ? `${this.baseUrl}/${this.userSummary(e.creatorId).handle}/f/${e.folderId ?? 'registry'}/${e.id}/edit` : null;
    switch (type) {
      case 'entry': {
        const e = this.snapshot.get('entries', id);
        return e && v.folder(e.folderId) ? `${this.baseUrl}/${this.userSummary(e.creatorId).handle}/f/${e.folderId}/${e.id}/edit` : null;
      }
      case 'dna_sequence':
        return entityUrl(this.snapshot.get('dnaSequences', id) ?? this.snapshot.get('rnaSequences', id));
      case 'aa_sequence':
        return entityUrl(this.snapshot.get('aaSequences', id));
      case 'custom_entity':
        return entityUrl(this.snapshot.get('customEntities', id));
      case 'user': {
        const u = this.snapshot.get('users', id);
        return u ? `${this.baseUrl}/${u.handle}` : null;
      }
      default:
        // locations have no URL; other linked kinds are not modelled by the sandbox
        return null;
    }
  }

  userSummary(userId: string): { handle: string; id: string; name: string } {
    const user = this.snapshot.get('users', userId);
    return user ? { handle: user.handle, id: user.id, name: user.name } : { handle: 'unknown', id: userId, name: 'Unknown user' };
  }

  /** components.schemas.User. The demo users have made-up addresses; none is suspended. */
  user(u: UserRecord): Record<string, unknown> {
    return {
      apiKeyLastChangedAt: null,
      email: `${u.handle}@sandbox.example`,
      handle: u.handle,
      id: u.id,
      isSuspended: false,
      name: u.name,
      passwordLastChangedAt: null,
    };
  }

  project(p: ProjectRecord): Record<string, unknown> {
    return { archiveRecord: archiveRecord(p.archiveReason), id: p.id, name: p.name, owner: this.userSummary(p.ownerId) };
  }

  folder(f: FolderRecord): Record<string, unknown> {
    return { archiveRecord: archiveRecord(f.archiveReason), id: f.id, name: f.name, parentFolderId: f.parentFolderId, projectId: f.projectId };
  }

  entry(e: EntryRecord): Record<string, unknown> {
    const schema = e.schemaId ? this.snapshot.get('schemas', e.schemaId) : undefined;
    const webPath = `/${this.userSummary(e.creatorId).handle}/f/${e.folderId}/${e.id}/edit`;
    return {
      apiURL: `${this.baseUrl}/api/v2/entries/${e.id}`,
      archiveRecord: archiveRecord(e.archiveReason),
      assignedReviewers: e.assignedReviewerIds.map((id) => this.userSummary(id)),
      authors: e.authorIds.map((id) => this.userSummary(id)),
      createdAt: e.createdAt,
      creator: this.userSummary(e.creatorId),
      customFields: customFields(e.customFields),
      days: e.days.map((d) => ({
        date: d.date,
        notes: d.notes.map((n) => (n.links ? { ...n, links: n.links.map((l) => this.link(l)) } : { ...n })),
        title: d.title,
      })),
      displayId: e.displayId,
      entryTemplateId: null,
      fields: renderFields(this.snapshot, schema, e.fields),
      folderId: e.folderId,
      id: e.id,
      modifiedAt: e.modifiedAt,
      name: e.name,
      reviewRecord: { comment: e.reviewComment, reviewChanges: [], reviewProcesses: [], status: e.reviewStatus },
      schema: schema ? { id: schema.id, modifiedAt: schema.modifiedAt, name: schema.name } : null,
      webURL: `${this.baseUrl}${webPath}`,
    };
  }

  /** What DNA sequences, AA sequences and custom entities have in common. */
  private entityBase(e: EntityRecord, collectionPath: string): Record<string, unknown> {
    const schema = e.schemaId ? this.snapshot.get('schemas', e.schemaId) : undefined;
    const url = `/${this.userSummary(e.creatorId).handle}/f/${e.folderId ?? 'registry'}/${e.id}/edit`;
    return {
      aliases: [...e.aliases],
      apiURL: `${this.baseUrl}/api/v2/${collectionPath}/${e.id}`,
      archiveRecord: archiveRecord(e.archiveReason),
      authors: e.authorIds.map((id) => this.userSummary(id)),
      createdAt: e.createdAt,
      creator: this.userSummary(e.creatorId),
      customFields: customFields(e.customFields),
      entityRegistryId: e.entityRegistryId,
      fields: renderFields(this.snapshot, schema, e.fields),
      folderId: e.folderId,
      id: e.id,
      modifiedAt: e.modifiedAt,
      name: e.name,
      registrationOrigin: e.registeredAt ? { originEntryId: null, registeredAt: e.registeredAt } : null,
      registryId: e.registryId,
      schema: schema ? { id: schema.id, name: schema.name } : null,
      url,
      webURL: `${this.baseUrl}${url}`,
    };
  }

  dnaSequence(s: DnaSequenceRecord): Record<string, unknown> {
    return {
      ...this.entityBase(s, 'dna-sequences'),
      ...nucleotideFeatures(s),
      bases: s.bases,
      dnaAlignmentIds: [],
      isCircular: s.isCircular,
      length: s.bases.length,
      primers: [],
      transcriptions: [],
    };
  }

  /** components.schemas.RnaSequence; helm is derived from the bases (natural RNA only). */
  rnaSequence(s: RnaSequenceRecord): Record<string, unknown> {
    const natural = /^[ACGU]+$/i.test(s.bases);
    return {
      ...this.entityBase(s, 'rna-sequences'),
      ...nucleotideFeatures(s),
      alignmentIds: [],
      bases: s.bases,
      customNotation: null,
      customNotationName: null,
      helm: natural ? `RNA1{${[...s.bases.toUpperCase()].map((b) => `r(${b})p`).join('.')}}$$$$V2.0` : null,
      isCircular: false,
      length: s.bases.length,
      primers: [],
    };
  }

  aaSequence(s: AaSequenceRecord): Record<string, unknown> {
    return {
      ...this.entityBase(s, 'aa-sequences'),
      aminoAcids: s.aminoAcids,
      annotations: s.annotations.map((a) => apiRange({ ...a }, s.aminoAcids.length)),
      length: s.aminoAcids.length,
    };
  }

  customEntity(c: CustomEntityRecord): Record<string, unknown> {
    return this.entityBase(c, 'custom-entities');
  }

  /** components.schemas.Location; capacities are null when totalCapacity is not set, as the spec says. */
  location(l: LocationRecord): Record<string, unknown> {
    const occupied = this.childrenOf(l.id);
    return {
      ...this.storageBase(l, 'locations'),
      availableCapacity: l.totalCapacity === null ? null : Math.max(0, l.totalCapacity - occupied),
      occupiedCapacity: l.totalCapacity === null ? null : occupied,
      totalCapacity: l.totalCapacity,
    };
  }

  /** components.schemas.Box */
  box(b: BoxRecord): Record<string, unknown> {
    const inside = this.snapshot.all('containers').filter((c) => c.parentStorageId === b.id && c.archiveReason === null);
    const size = b.rows * b.columns;
    return {
      ...this.storageBase(b, 'boxes'),
      availableCapacity: size - inside.length,
      emptyContainers: inside.filter((c) => c.contents.length === 0).length,
      emptyPositions: size - inside.length,
      filledPositions: inside.length,
      occupiedCapacity: inside.length,
      projectId: b.projectId,
      size,
      totalCapacity: size,
    };
  }

  /** components.schemas.Plate: wells keyed by position; wells the reader cannot see are InaccessibleResources. */
  plate(p: PlateRecord): Record<string, unknown> {
    const wells = this.snapshot
      .all('containers')
      .filter((c) => c.parentStorageId === p.id && c.position !== null)
      .sort((a, b) => gridNumber(a.position!, p.columns) - gridNumber(b.position!, p.columns));
    const matrix = p.type === 'matrix_plate';
    const size = p.rows * p.columns;
    return {
      ...this.storageBase(p, 'plates'),
      availableCapacity: matrix ? size - wells.length : null,
      occupiedCapacity: matrix ? wells.length : null,
      projectId: p.projectId,
      totalCapacity: matrix ? size : null,
      type: p.type,
      wells: Object.fromEntries(
        wells.map((w) => [w.position!, this.visibility?.storage(w) ? { ...this.container(w), resourceType: 'container' } : inaccessible(w.id, 'container')]),
      ),
    };
  }

  /**
   * components.schemas.Container. A container in a plate has the well as its parent, `plt_...:a1` (the form the
   * spec's Well.parentStorageId describes); a container in a box has the box, and its grid position comes with
   * the box's contents.
   */
  container(c: ContainerRecord): Record<string, unknown> {
    const parent = c.parentStorageId;
    const inPlate = parent !== null && c.position !== null && this.snapshot.get('plates', parent) !== undefined;
    const { parentStorageId: _unused, ...base } = this.storageBase(c, 'containers');
    return {
      ...base,
      checkoutRecord: { assignee: null, comment: '', modifiedAt: c.modifiedAt, status: 'AVAILABLE' },
      contents: c.contents.map((x) => this.containerContent(x)),
      parentStorageId: inPlate ? `${parent}:${c.position!.toLowerCase()}` : parent,
      projectId: c.projectId,
      quantity: { ...c.quantity },
      restrictedSampleParties: [],
      restrictionStatus: 'NOT_APPLICABLE',
      role: null,
      sampleOwners: [],
      volume: { ...c.quantity },
    };
  }

  /** components.schemas.ContainerContent: the entity in full (with entityType), or an InaccessibleResource. */
  containerContent(content: ContainerRecord['contents'][number]): Record<string, unknown> {
    return { batch: null, concentration: { ...content.concentration }, entity: this.entityWithType(content.entityId) };
  }

  entityWithType(id: string): Record<string, unknown> {
    const v = this.visibility;
    const dna = this.snapshot.get('dnaSequences', id);
    if (dna) return v?.filed(dna) ? { ...this.dnaSequence(dna), entityType: 'dna_sequence' } : inaccessible(id, 'dna_sequence');
    const rna = this.snapshot.get('rnaSequences', id);
    if (rna) return v?.filed(rna) ? { ...this.rnaSequence(rna), entityType: 'rna_sequence' } : inaccessible(id, 'rna_sequence');
    const aa = this.snapshot.get('aaSequences', id);
    if (aa) return v?.filed(aa) ? { ...this.aaSequence(aa), entityType: 'aa_sequence' } : inaccessible(id, 'aa_sequence');
    const custom = this.snapshot.get('customEntities', id);
    if (custom) return v?.filed(custom) ? { ...this.customEntity(custom), entityType: 'custom_entity' } : inaccessible(id, 'custom_entity');
    return inaccessible(id, 'entity');
  }

  private childrenOf(storageId: string): number {
    const here = (x: { parentStorageId: string | null; archiveReason: string | null }) => x.parentStorageId === storageId && x.archiveReason === null;
    return (
      this.snapshot.all('locations').filter(here).length +
      this.snapshot.all('boxes').filter(here).length +
      this.snapshot.all('plates').filter(here).length +
      this.snapshot.all('containers').filter(here).length
    );
  }

  private storageBase(s: StorageRecord, webPath: string): Record<string, unknown> {
    return {
      archiveRecord: archiveRecord(s.archiveReason),
      barcode: s.barcode,
      createdAt: s.createdAt,
      creator: this.userSummary(s.creatorId),
      fields: {},
      id: s.id,
      modifiedAt: s.modifiedAt,
      name: s.name,
      parentStorageId: s.parentStorageId,
      schema: null,
      webURL: `${this.baseUrl}/inventory/${webPath}/${s.id}`,
    };
  }

  /** components.schemas.AssayResultSchema / AssayRunSchema; field definition names are the fields' system names. */
  assaySchema(s: SchemaRecord): Record<string, unknown> {
    return {
      archiveRecord: archiveRecord(s.archiveReason),
      derivedFrom: null,
      fieldDefinitions: s.fieldDefinitions.map(fieldDefinition),
      id: s.id,
      modifiedAt: s.modifiedAt,
      name: s.name,
      organization: { handle: 'sandbox-lab', id: 'ent_SandboxL', name: 'Sandbox Lab' },
      systemName: s.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
      type: s.kind,
      ...(s.kind === 'assay_run' ? { automationInputFileConfigs: [], automationOutputFileConfigs: [] } : {}),
    };
  }

  /** components.schemas.AssayResult: fields keyed by system name, as the spec says. */
  assayResult(r: AssayResultRecord): Record<string, unknown> {
    const schema = this.snapshot.get('assaySchemas', r.schemaId);
    return {
      archiveRecord: archiveRecord(r.archiveReason),
      createdAt: r.createdAt,
      creator: this.userSummary(r.creatorId),
      entryId: r.entryId,
      fieldValidation: {},
      fields: renderFields(this.snapshot, schema, r.fields),
      id: r.id,
      isReviewed: r.isReviewed,
      modifiedAt: r.modifiedAt,
      projectId: r.projectId,
      schema: { id: r.schemaId, name: schema?.name ?? '' },
      v3Id: `res_${r.id.slice(0, 8)}`,
    };
  }

  /** components.schemas.AssayRun */
  assayRun(r: AssayRunRecord): Record<string, unknown> {
    const schema = this.snapshot.get('assaySchemas', r.schemaId);
    return {
      apiURL: `${this.baseUrl}/api/v2/assay-runs/${r.id}`,
      archiveRecord: archiveRecord(r.archiveReason),
      createdAt: r.createdAt,
      creator: this.userSummary(r.creatorId),
      entryId: r.entryId,
      equipmentId: null,
      fields: renderFields(this.snapshot, schema, r.fields),
      id: r.id,
      isReviewed: r.isReviewed,
      projectId: r.projectId,
      schema: schema ? { id: schema.id, name: schema.name } : null,
      v3Id: `run_${r.id.slice(0, 8)}`,
      validationComment: r.validationComment,
      validationStatus: r.validationStatus,
    };
  }

  /** components.schemas.Registry: the tenant's one registry. */
  registry(): Record<string, unknown> {
    return {
      id: this.snapshot.data.registryId,
      modifiedAt: '2026-01-01T00:00:00.000Z',
      name: 'Lab Registry',
      owner: { handle: 'sandbox-lab', id: 'ent_SandboxL', name: 'Sandbox Lab' },
    };
  }

  /** components.schemas.EntitySchema */
  entitySchema(s: SchemaRecord): Record<string, unknown> {
    return {
      archiveRecord: archiveRecord(s.archiveReason),
      constraint: null,
      containableType: 'NONE',
      fieldDefinitions: s.fieldDefinitions.map(fieldDefinition),
      id: s.id,
      modifiedAt: s.modifiedAt,
      name: s.name,
      nameTemplateParts: [],
      prefix: s.prefix ?? '',
      registryId: s.registryId ?? '',
      type: s.kind,
    };
  }

  /** components.schemas.EntrySchemaDetailed */
  entrySchema(s: SchemaRecord): Record<string, unknown> {
    return {
      archiveRecord: archiveRecord(s.archiveReason),
      fieldDefinitions: s.fieldDefinitions.map(fieldDefinition),
      id: s.id,
      modifiedAt: s.modifiedAt,
      name: s.name,
      type: 'entry',
    };
  }
}

/** Annotations, translations and parts with the API's coordinate convention (the end of the sequence is 0). */
export function nucleotideFeatures(s: DnaSequenceRecord): Record<string, unknown> {
  const length = s.bases.length;
  return {
    annotations: s.annotations.map(({ customFields, ...a }) => apiRange({ ...a, customFields: customFields ?? [] }, length)),
    parts: (s.parts ?? []).map((p) => apiRange({ ...p }, length)),
    translations: s.translations.map(({ regions, customFields, coerceStartCodonToMethionine, ...t }) => ({
      ...apiRange(t, length),
      coerceStartCodonToMethionine: coerceStartCodonToMethionine ?? false,
      customFields: customFields ?? [],
      geneticCode: 'STANDARD',
      regions: (regions ?? [{ start: t.start, end: t.end }]).map((r) => apiRange({ ...r }, length)),
    })),
  };
}

/** components.schemas.InaccessibleResource: what a reader without access sees in place of an object. */
export function inaccessible(id: string, type: string): Record<string, unknown> {
  return { inaccessibleId: id, resourceType: 'inaccessible_resource', type };
}

/** 1-based, row by row: A1 = 1, A2 = 2, ..., B1 = columns + 1 (the sandbox's reading of gridNumber). */
export function gridNumber(position: string, columns: number): number {
  const m = /^([A-Z])(\d+)$/.exec(position);
  if (!m) return Number.MAX_SAFE_INTEGER;
  return (m[1]!.charCodeAt(0) - 65) * columns + Number(m[2]);
}

function archiveRecord(reason: string | null): { reason: string } | null {
  return reason === null ? null : { reason };
}

function customFields(values: Record<string, string>): Record<string, { value: string }> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }]));
}

/** One of SimpleFieldDefinition / IntegerFieldDefinition / FloatFieldDefinition / DropdownFieldDefinition / SchemaLinkFieldDefinition. */
function fieldDefinition(d: FieldDefinitionRecord): Record<string, unknown> {
  const base = { archiveRecord: null, id: d.id, isMulti: d.isMulti, isRequired: d.isRequired, name: d.name, type: d.type };
  switch (d.type) {
    case 'integer':
      return { ...base, numericMax: d.numericMax ?? null, numericMin: d.numericMin ?? null, unit: null };
    case 'float':
      return {
        ...base,
        decimalPrecision: d.decimalPrecision ?? null,
        legalTextDropdownId: null,
        numericMax: d.numericMax ?? null,
        numericMin: d.numericMin ?? null,
        unit: null,
      };
    case 'dropdown':
      return { ...base, dropdownId: d.dropdownId ?? null };
    case 'entity_link':
    case 'entry_link':
    case 'part_link':
    case 'translation_link':
    case 'batch_link':
    case 'storage_link':
    case 'assay_request_link':
    case 'assay_result_link':
    case 'assay_run_link':
      return { ...base, schemaId: d.linkedSchemaId ?? null };
    default:
      return base;
  }
}
