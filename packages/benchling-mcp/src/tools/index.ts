import type { AnyTool } from '@labmcp/service-kit';
import type { BenchlingToolContext } from '../context.js';
import { aaSequenceGet } from './aa-sequence-get.js';
import { aaSequencesList } from './aa-sequences-list.js';
import { assayGet } from './assay-get.js';
import { assayResultsList } from './assay-results-list.js';
import { assayRunsList } from './assay-runs-list.js';
import { assaySchemasList } from './assay-schemas-list.js';
import { attachmentRead } from './attachment-read.js';
import { customEntitiesList } from './custom-entities-list.js';
import { customEntityCreate } from './custom-entity-create.js';
import { customEntityGet } from './custom-entity-get.js';
import { dnaSequenceCreate } from './dna-sequence-create.js';
import { dnaSequenceGet } from './dna-sequence-get.js';
import { dnaSequencesList } from './dna-sequences-list.js';
import { entitiesRegister } from './entities-register.js';
import { entriesList } from './entries-list.js';
import { entryCreate } from './entry-create.js';
import { entryGet } from './entry-get.js';
import { entryUpdate } from './entry-update.js';
import { foldersList } from './folders-list.js';
import { inventoryGet } from './inventory-get.js';
import { inventoryList } from './inventory-list.js';
import { projectsList } from './projects-list.js';
import { registeredEntitiesGet } from './registered-entities-get.js';
import { registriesList } from './registries-list.js';
import { rnaSequenceCreate } from './rna-sequence-create.js';
import { rnaSequenceGet } from './rna-sequence-get.js';
import { rnaSequencesList } from './rna-sequences-list.js';
import { cacheJsonSchema } from './schema-cache.js';
import { schemasList } from './schemas-list.js';
import { search } from './search.js';
import { sequenceExport } from './sequence-export.js';

export const benchlingTools: AnyTool<BenchlingToolContext>[] = [
  // read
  entriesList,
  entryGet,
  foldersList,
  projectsList,
  dnaSequencesList,
  dnaSequenceGet,
  rnaSequencesList,
  rnaSequenceGet,
  sequenceExport,
  aaSequencesList,
  aaSequenceGet,
  customEntitiesList,
  customEntityGet,
  schemasList,
  search,
  inventoryList,
  inventoryGet,
  assaySchemasList,
  assayResultsList,
  assayRunsList,
  assayGet,
  registriesList,
  registeredEntitiesGet,
  attachmentRead,
  // write
  entryCreate,
  dnaSequenceCreate,
  rnaSequenceCreate,
  customEntityCreate,
  entitiesRegister,
  entryUpdate,
];

for (const tool of benchlingTools) {
  cacheJsonSchema(tool.input);
  cacheJsonSchema(tool.output);
}
