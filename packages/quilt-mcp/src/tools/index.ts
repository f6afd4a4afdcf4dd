import type { AnyTool } from '@labmcp/service-kit';
import type { QuiltToolContext } from '../context.js';
import { bucketObjectInfo, bucketObjectLink, bucketObjectsList, bucketObjectText } from './bucket-objects.js';
import { bucketObjectPut, bucketObjectUploadLink } from './bucket-uploads.js';
import { catalogUri } from './catalog-uri.js';
import { packageBrowse } from './package-browse.js';
import { packageCreate } from './package-create.js';
import { packageDelete } from './package-delete.js';
import { packageDiff } from './package-diff.js';
import { packageFileRead } from './package-file-read.js';
import { packageHistory } from './package-history.js';
import { packageUpdate } from './package-update.js';
import { packageVerify } from './package-verify.js';
import { packagesList } from './packages-list.js';
import { registriesList } from './registries-list.js';
import { search } from './search.js';
import { workflowsList } from './workflows-list.js';

export const quiltTools: AnyTool<QuiltToolContext>[] = [
  registriesList,
  packagesList,
  packageBrowse,
  packageHistory,
  packageDiff,
  packageVerify,
  packageFileRead,
  bucketObjectsList,
  bucketObjectInfo,
  bucketObjectText,
  bucketObjectLink,
  catalogUri,
  search,
  workflowsList,
  packageCreate,
  packageUpdate,
  packageDelete,
  bucketObjectPut,
  bucketObjectUploadLink,
];
