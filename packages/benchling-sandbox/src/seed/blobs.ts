import type { BlobRecord } from '../store/types.js';
import { DEMO_IDS } from './demo-ids.js';
import { seedTime } from './time.js';

/** The demo files: an IMAC chromatogram attached to the purification entry, and the plate reader's export. */

function chromatogram(): string {
  const rows = ['volume_ml,a280_mau,imidazole_mm'];
  for (let v = 0; v <= 60; v += 2) {
    // A peak around 35 mL, where the gradient reaches ~200 mM (fractions B5-B7).
    const peak = Math.round(1800 * Math.exp(-(((v - 35) / 4) ** 2)));
    rows.push(`${v},${12 + peak},${v < 20 ? 40 : Math.min(500, 40 + (v - 20) * 16)}`);
  }
  return `${rows.join('\n')}\n`;
}

const PLATE_READER = ['well,a280,pathlength_cm', 'A1,0.42,1', 'A2,1.87,1', 'A3,1.12,1', ''].join('\n');

export function seedBlobs(): BlobRecord[] {
  const P = DEMO_IDS.projects.proteinExpression;
  return [
    {
      id: DEMO_IDS.blobs.chromatogram,
      name: 'IMAC_HisTrap_run1.csv',
      mimeType: 'text/csv',
      type: 'RAW_FILE',
      contentBase64: Buffer.from(chromatogram()).toString('base64'),
      projectId: P,
      createdAt: seedTime(23, 15),
    },
    {
      id: DEMO_IDS.blobs.plateReaderExport,
      name: 'SpectraMax_A280_export.csv',
      mimeType: 'text/csv',
      type: 'RAW_FILE',
      contentBase64: Buffer.from(PLATE_READER).toString('base64'),
      projectId: P,
      createdAt: seedTime(24, 11),
    },
  ];
}
