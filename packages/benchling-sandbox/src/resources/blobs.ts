import { signedFileUrl } from '../files.js';
import { notFound } from '../http/errors.js';
import type { BlobRecord } from '../store/types.js';
import type { Operation, OperationContext } from './operation.js';

/**
 * Blobs (files linked from blob_link fields) and an entry's attached files (external_file notes): metadata
 * and a short-lived download link. A file is readable by members of its project.
 */

function visibleBlob(ctx: OperationContext, id: string): BlobRecord {
  const blob = ctx.snapshot.get('blobs', id);
  if (!blob || !(blob.projectId === null || ctx.visibility.project(blob.projectId))) throw notFound('Blob', id);
  return blob;
}

export const blobOperations: Operation[] = [
  {
    method: 'GET',
    path: '/blobs/{blob_id}',
    operationId: 'getBlob',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const b = visibleBlob(ctx, ctx.params.blob_id!);
      return { status: 200, body: { id: b.id, mimeType: b.mimeType, name: b.name, type: b.type, uploadStatus: 'COMPLETE' } };
    },
  },
  {
    method: 'GET',
    path: '/blobs/{blob_id}/download-url',
    operationId: 'getBlobUrl',
    query: { allowed: [] },
    handle: (ctx) => {
      const b = visibleBlob(ctx, ctx.params.blob_id!);
      const { url, expiresAt } = signedFileUrl(ctx.snapshot.data.tokenSecret, ctx.baseUrl, b.id, ctx.now().getTime());
      // BlobUrl.expiresAt: "The unix time that the download URL expires at" (seconds).
      return { status: 200, body: { downloadURL: url, expiresAt } };
    },
  },
  {
    method: 'GET',
    path: '/entries/{entry_id}/external-files/{external_file_id}',
    operationId: 'getExternalFileMetadata',
    query: { allowed: [] },
    handle: (ctx) => {
      const entryId = ctx.params.entry_id!;
      const fileId = ctx.params.external_file_id!;
      const entry = ctx.snapshot.get('entries', entryId);
      if (!entry || !ctx.visibility.folder(entry.folderId)) throw notFound('Entry', entryId);
      const attached = entry.days.some((d) => d.notes.some((n) => n.type === 'external_file' && n.externalFileId === fileId));
      const blob = attached ? ctx.snapshot.get('blobs', fileId) : undefined;
      if (!blob) throw notFound('External file', fileId);
      const { url, expiresAt } = signedFileUrl(ctx.snapshot.data.tokenSecret, ctx.baseUrl, blob.id, ctx.now().getTime());
      return { status: 200, body: { externalFile: { downloadURL: url, expiresAt, id: blob.id, size: Buffer.byteLength(blob.contentBase64, 'base64') } } };
    },
  },
];
