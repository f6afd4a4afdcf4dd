/**
 * Files over HTTP: blob metadata, pre-signed download links (no key, expiring, unforgeable, not rate-limited),
 * files attached to entries through external_file notes, and blob_link fields on assay results.
 */
import t from 'tap';
import { DOWNLOAD_URL_SECONDS } from '../src/files.js';
import { DEMO_IDS, DEMO_KEYS } from '../src/index.js';
import { startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;

t.test('blobs and attached files: metadata, download links, expiry, signatures', async (t) => {
  let now = Date.parse('2026-11-02T09:00:00Z');
  const h = await startSandbox(t, { clock: () => now, rateLimit: { limit: 20 } });
  const bob = h.as(DEMO_KEYS.bob);
  const meta = (await bob.get(`/blobs/${D.blobs.plateReaderExport}`)).body;
  t.strictSame(meta, { id: D.blobs.plateReaderExport, mimeType: 'text/csv', name: 'SpectraMax_A280_export.csv', type: 'RAW_FILE', uploadStatus: 'COMPLETE' });
  const link = (await bob.get(`/blobs/${D.blobs.plateReaderExport}/download-url`)).body;
  t.equal(link.expiresAt, Math.floor(now / 1000) + DOWNLOAD_URL_SECONDS, 'expiresAt in unix seconds');
  const file = await fetch(link.downloadURL);
  t.equal(file.status, 200, 'no key needed');
  t.equal(file.headers.get('content-type'), 'text/csv');
  t.match(await file.text(), /^well,a280,pathlength_cm\nA1,0.42,1\n/);
  t.equal(file.headers.get('x-rate-limit-limit'), null, 'not rate-limited');
  const forged = new URL(link.downloadURL);
  forged.searchParams.set('expires', String(link.expiresAt + 3600));
  t.equal((await fetch(forged)).status, 403, 'a changed expiry breaks the signature');
  now += (DOWNLOAD_URL_SECONDS + 1) * 1000;
  t.equal((await fetch(link.downloadURL)).status, 403, 'an expired link');

  // The purification entry has an attached file (an external_file note).
  const entry = (await bob.get(`/entries/${D.entries.purification1}`)).body.entry;
  const note = entry.days
    .flatMap((d: { notes: { type: string; externalFileId?: string }[] }) => d.notes)
    .find((n: { type: string }) => n.type === 'external_file');
  t.equal(note.externalFileId, D.blobs.chromatogram);
  const ext = (await bob.get(`/entries/${D.entries.purification1}/external-files/${note.externalFileId}`)).body.externalFile;
  const bytes = Buffer.from(await (await fetch(ext.downloadURL)).arrayBuffer());
  t.equal(ext.size, bytes.length, 'size is the byte count');
  t.match(bytes.toString('utf8'), /^volume_ml,a280_mau,imidazole_mm\n/);
  t.equal((await bob.get(`/entries/${D.entries.firstRun}/external-files/${note.externalFileId}`)).status, 404, 'the file is not attached to that entry');
  t.equal((await bob.get('/blobs/00000000-0000-0000-0000-000000000000')).status, 404);

  const result = (await bob.get(`/assay-results/${D.assayResults.runPrefix}01`)).body;
  t.match(result.fields.plate_reader_export, { type: 'blob_link', value: D.blobs.plateReaderExport });
});
