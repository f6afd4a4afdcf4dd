import { z } from 'zod';
import { ToolError } from '@labmcp/service-kit';
import { benchlingTool } from '../context.js';

export const projectsList = benchlingTool({
  name: 'projects_list',
  title: 'List Benchling projects',
  description: 'Lists the Benchling projects your API key can see, a page at a time.',
  input: z.object({
    page_size: z.number().int().min(1).max(100).default(50).describe('Projects per page (1-100)'),
    cursor: z.string().max(2048).optional().describe('nextToken from the previous page'),
  }),
  output: z.object({
    projects: z.array(z.object({ id: z.string(), name: z.string() }).passthrough()),
    next_cursor: z.string().nullable(),
  }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  run: async (args, ctx) => {
    const url = new URL(`${ctx.baseUrl}/api/v2/projects`);
    url.searchParams.set('pageSize', String(args.page_size));
    if (args.cursor) url.searchParams.set('nextToken', args.cursor);
    const res = await fetch(url, {
      headers: { authorization: `Basic ${Buffer.from(`${ctx.caller.apiKey}:`).toString('base64')}`, accept: 'application/json' },
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(30_000)]),
    });
    const body = (await res.json().catch(() => ({}))) as { projects?: { id: string; name: string }[]; nextToken?: string; error?: { message?: string; userMessage?: string } };
    if (!res.ok) throw new ToolError(`Benchling answered ${res.status}: ${body.error?.userMessage ?? body.error?.message ?? res.statusText}`);
    return { projects: body.projects ?? [], next_cursor: body.nextToken || null };
  },
});
