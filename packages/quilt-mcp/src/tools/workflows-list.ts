import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { loadWorkflowConfig, WORKFLOW_CONFIG_KEY } from '../registry/index.js';
import { READ_SCOPE, registryArg } from './common.js';

export const workflowsList = quiltTool({
  name: 'workflows_list',
  title: 'List the workflows of a Quilt registry',
  description:
    `Shows what a registry demands of a new package revision before you write one: its quilt3 workflows config (${WORKFLOW_CONFIG_KEY}), ` +
    'whether a workflow is required, the default one, and per workflow whether a commit message is required, the package name pattern ' +
    '(handle_pattern) and the ids and URLs of the JSON Schemas for package metadata and entries. Pass the workflow id as workflow to ' +
    'package_create / package_update (null for none where allowed). No config: packages are written without a workflow.',
  input: z.object({ registry: registryArg }),
  output: z.object({
    registry: z.string(),
    config: z.string().nullable().describe('URL of the config as quilt3 records it (null: the registry has none)'),
    is_workflow_required: z.boolean(),
    default_workflow: z.string().nullable(),
    workflows: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string().nullable(),
        is_message_required: z.boolean(),
        handle_pattern: z.string().nullable(),
        metadata_schema: z.object({ id: z.string(), url: z.string().nullable() }).nullable(),
        entries_schema: z.object({ id: z.string(), url: z.string().nullable() }).nullable(),
      }),
    ),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => (args.registry === undefined ? {} : { registry: args.registry }),
  summarize: (r) =>
    r.config === null
      ? `${r.registry} has no workflows config: packages are written without a workflow.`
      : `${r.registry}: ${r.config}; workflow ${r.is_workflow_required ? 'required' : 'optional'}${r.default_workflow ? `, default ${r.default_workflow}` : ''}\n` +
        r.workflows
          .map(
            (w) =>
              `${w.id} (${w.name})${w.is_message_required ? ', message required' : ''}${w.handle_pattern ? `, name ~ ${w.handle_pattern}` : ''}` +
              `${w.metadata_schema ? `, metadata schema ${w.metadata_schema.id}` : ''}${w.entries_schema ? `, entries schema ${w.entries_schema.id}` : ''}`,
          )
          .join('\n'),
  run: async (args, ctx) => {
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const config = await loadWorkflowConfig(opened, ctx.signal);
    if (config === undefined) return { registry: opened.ref.url, config: null, is_workflow_required: false, default_workflow: null, workflows: [] };
    const schemaRef = (id: string | undefined) =>
      id === undefined ? null : { id, url: config.data.schemas && Object.hasOwn(config.data.schemas, id) ? (config.data.schemas[id]?.url ?? null) : null };
    return {
      registry: opened.ref.url,
      config: config.url,
      is_workflow_required: config.data.is_workflow_required ?? true,
      default_workflow: config.data.default_workflow ?? null,
      workflows: Object.entries(config.data.workflows).map(([id, w]) => ({
        id,
        name: w.name,
        description: w.description ?? null,
        is_message_required: w.is_message_required ?? false,
        handle_pattern: w.handle_pattern ?? null,
        metadata_schema: schemaRef(w.metadata_schema),
        entries_schema: schemaRef(w.entries_schema),
      })),
    };
  },
});
