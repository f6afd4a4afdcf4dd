import type { AnyTool } from '@labmcp/service-kit';
import type { BenchlingToolContext } from '../context.js';
import { aaSequenceGet } from './aa-sequence-get.js';
import { aaSequencesList } from './aa-sequences-list.js';
import { customEntitiesList } from './custom-entities-list.js';
import { customEntityCreate } from './custom-entity-create.js';
import { customEntityGet } from './custom-entity-get.js';
import { dnaSequenceCreate } from './dna-sequence-create.js';
import { dnaSequenceGet } from './dna-sequence-get.js';
import { dnaSequencesList } from './dna-sequences-list.js';
import { entriesList } from './entries-list.js';
import { entryCreate } from './entry-create.js';
import { entryGet } from './entry-get.js';
import { entryUpdate } from './entry-update.js';
import { foldersList } from './folders-list.js';
import { projectsList } from './projects-list.js';
import { cacheJsonSchema } from './schema-cache.js';
import { schemasList } from './schemas-list.js';
import { search } from './search.js';

export const benchlingTools: AnyTool<BenchlingToolContext>[] = [
  // read
  entriesList,
  entryGet,
  foldersList,
  projectsList,
  dnaSequencesList,
  dnaSequenceGet,
  aaSequencesList,
  aaSequenceGet,
  customEntitiesList,
  customEntityGet,
  schemasList,
  search,
  // write
  entryCreate,
  dnaSequenceCreate,
  customEntityCreate,
  entryUpdate,
];

for (const tool of benchlingTools) {
  cacheJsonSchema(tool.input);
  cacheJsonSchema(tool.output);
}
