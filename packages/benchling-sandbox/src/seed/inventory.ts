import type { BoxRecord, ContainerRecord, LocationRecord, PlateRecord, Quantity } from '../store/types.js';
import { DEMO_IDS, DEMO_USERS } from './demo-ids.js';
import { seedTime } from './time.js';

/**
 * The demo freezer: a -80 °C freezer with two shelves of boxes, a cold-room rack with a 24-well plate of IMAC
 * fractions (the purification entry's elution table), and a liquid-nitrogen dewar with alice's hybridoma vials.
 * Containers hold the seeded entities with concentrations.
 */

const L = DEMO_IDS.locations;
const B = DEMO_IDS.boxes;
const C = DEMO_IDS.containers;
const P = DEMO_IDS.projects;
const alice = DEMO_USERS.alice.id;
const bob = DEMO_USERS.bob.id;
const carol = DEMO_USERS.carol.id;

const q = (value: number | null, units: string | null): Quantity => ({ value, units });

function stamp(creatorId: string, day: number) {
  return { creatorId, createdAt: seedTime(day, 12), modifiedAt: seedTime(day, 12, 30), archiveReason: null };
}

export function seedLocations(): LocationRecord[] {
  const loc = (id: string, name: string, barcode: string, parent: string | null, totalCapacity: number | null, day: number): LocationRecord => ({
    id,
    name,
    barcode,
    parentStorageId: parent,
    totalCapacity,
    ...stamp(alice, day),
  });
  return [
    loc(L.freezer, '-80 °C Freezer A', 'FRZ-A', null, null, 3),
    loc(L.shelf1, 'Shelf 1', 'FRZ-A-S1', L.freezer, 6, 3),
    loc(L.shelf2, 'Shelf 2', 'FRZ-A-S2', L.freezer, 6, 3),
    loc(L.coldRack, '4 °C Cold Room Rack', 'CR-R1', null, 12, 3),
    loc(L.dewar, 'LN2 Dewar 1', 'LN2-1', null, null, 3),
  ];
}

export function seedBoxes(): BoxRecord[] {
  const box = (id: string, name: string, barcode: string, parent: string, projectId: string, creatorId: string, day: number): BoxRecord => ({
    id,
    name,
    barcode,
    parentStorageId: parent,
    projectId,
    rows: 9,
    columns: 9,
    ...stamp(creatorId, day),
  });
  return [
    box(B.plasmidStocks, 'Plasmid minipreps', 'BX-0001', L.shelf1, P.proteinExpression, bob, 4),
    box(B.glycerolStocks, 'Glycerol stocks', 'BX-0002', L.shelf1, P.proteinExpression, bob, 4),
    box(B.guideBox, 'Lentiguide and sgRNA box', 'BX-0003', L.shelf2, P.crisprScreens, carol, 5),
    box(B.hybridomaVials, 'Hybridoma vials', 'BX-0004', L.dewar, P.antibodyDiscovery, alice, 5),
  ];
}

export function seedPlates(): PlateRecord[] {
  return [
    {
      id: DEMO_IDS.plates.imacFractions,
      name: 'IMAC fractions 6xHis-EGFP',
      barcode: 'PL-0001',
      parentStorageId: L.coldRack,
      projectId: P.proteinExpression,
      rows: 4,
      columns: 6,
      type: 'well_plate',
      ...stamp(bob, 23),
    },
  ];
}

/** Elution fractions B5-B7 of the purification entry, in the plate's first row; the other wells are empty. */
const FRACTIONS: Record<string, number> = { A1: 0.42, A2: 1.87, A3: 1.12 };

export function seedContainers(): ContainerRecord[] {
  const D = DEMO_IDS.dnaSequences;
  const E = DEMO_IDS.customEntities;
  const tube = (
    id: string,
    name: string,
    barcode: string,
    parent: string,
    position: string,
    projectId: string,
    creatorId: string,
    day: number,
    quantity: Quantity,
    contents: ContainerRecord['contents'],
  ): ContainerRecord => ({ id, name, barcode, parentStorageId: parent, position, projectId, quantity, contents, ...stamp(creatorId, day) });
  const ngPerUl = (value: number) => q(value, 'ng/uL');
  const tubes = [
    tube(C.petEgfpMiniprep, 'pET-28a-EGFP miniprep', 'TB-0001', B.plasmidStocks, 'A1', P.proteinExpression, bob, 4, q(50, 'uL'), [
      { entityId: D.petEgfp, concentration: ngPerUl(250) },
    ]),
    tube(C.petBackboneMiniprep, 'pET-28a(+) miniprep', 'TB-0002', B.plasmidStocks, 'A2', P.proteinExpression, bob, 4, q(45, 'uL'), [
      { entityId: D.petBackbone, concentration: ngPerUl(310) },
    ]),
    tube(C.egfpOrfMiniprep, 'EGFP ORF PCR product', 'TB-0003', B.plasmidStocks, 'A3', P.proteinExpression, bob, 4, q(30, 'uL'), [
      { entityId: D.egfpOrf, concentration: ngPerUl(85) },
    ]),
    tube(C.abCdsMiniprep, 'VH CDS (loaned)', 'TB-0004', B.plasmidStocks, 'B1', P.proteinExpression, alice, 5, q(20, 'uL'), [
      { entityId: D.trastuzumabHcCds, concentration: ngPerUl(120) },
    ]),
    tube(C.bl21Glycerol, 'BL21(DE3) glycerol stock', 'TB-0005', B.glycerolStocks, 'A1', P.proteinExpression, bob, 4, q(1, 'mL'), [
      { entityId: E.bl21, concentration: q(null, null) },
    ]),
    tube(C.rosettaGlycerol, 'Rosetta 2(DE3) glycerol stock', 'TB-0006', B.glycerolStocks, 'A2', P.proteinExpression, bob, 4, q(1, 'mL'), [
      { entityId: E.rosetta2, concentration: q(null, null) },
    ]),
    tube(C.emptyTube, 'Empty cryovial', 'TB-0007', B.glycerolStocks, 'A3', P.proteinExpression, bob, 4, q(null, null), []),
    tube(C.lentiEmx1, 'lentiGuide-EMX1 maxiprep', 'TB-0008', B.guideBox, 'A1', P.crisprScreens, carol, 5, q(500, 'uL'), [
      { entityId: D.lentiGuideEmx1, concentration: q(1.2, 'ug/uL') },
    ]),
    tube(C.lentiAavs1, 'lentiGuide-AAVS1 maxiprep', 'TB-0009', B.guideBox, 'A2', P.crisprScreens, carol, 5, q(500, 'uL'), [
      { entityId: D.lentiGuideAavs1, concentration: q(0.9, 'ug/uL') },
    ]),
    tube(C.sgEmx1Rna, 'EMX1 sgRNA (synthetic), 100 uM', 'TB-0010', B.guideBox, 'B1', P.crisprScreens, carol, 7, q(20, 'uL'), [
      { entityId: DEMO_IDS.rnaSequences.sgEmx1Synthetic, concentration: q(100, 'uM') },
      { entityId: E.sgEmx1, concentration: q(100, 'uM') },
    ]),
    tube(C.hybridomaVial, 'Hybridoma 7F3 vial', 'TB-0011', B.hybridomaVials, 'A1', P.antibodyDiscovery, alice, 5, q(1, '(x10^6) cells'), [
      { entityId: E.hybridoma, concentration: q(5, 'cells/mL') },
    ]),
  ];
  const plate = DEMO_IDS.plates.imacFractions;
  const wells: ContainerRecord[] = [];
  for (const row of 'ABCD') {
    for (let col = 1; col <= 6; col++) {
      const position = `${row}${col}`;
      const mgPerMl = FRACTIONS[position];
      wells.push({
        id: `con_ImacW${position}`,
        name: `IMAC fraction plate ${position}`,
        barcode: `PL-0001-${position}`,
        parentStorageId: plate,
        position,
        projectId: P.proteinExpression,
        quantity: mgPerMl === undefined ? q(null, null) : q(1.5, 'mL'),
        contents: mgPerMl === undefined ? [] : [{ entityId: DEMO_IDS.aaSequences.his6Egfp, concentration: q(mgPerMl, 'mg/mL') }],
        ...stamp(bob, 23),
      });
    }
  }
  return [...tubes, ...wells];
}
