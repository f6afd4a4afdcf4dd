/** Pure helpers: field checks against a schema, notes as text, cursors, error bodies, config. */

import { loadConfig, ToolError } from '@labmcp/service-kit';
import t from 'tap';
import { describeErrorBody, errorBodyOf } from '../src/benchling/errors.js';
import { checkFields } from '../src/benchling/fields.js';
import { idSchema, kindOfId } from '../src/benchling/ids.js';
import { notesAsText } from '../src/benchling/notes.js';
import type { ApiSchema } from '../src/benchling/types.js';
import { benchlingSettings, clientSettingsFrom } from '../src/config.js';
import { decodeCursor, encodeCursor } from '../src/tools/cursor.js';

const schema: ApiSchema = {
  id: 'ts_Test0001',
  name: 'Test',
  type: 'custom_entity',
  fieldDefinitions: [
    { name: 'Count', type: 'integer', isRequired: true, numericMin: 0, numericMax: 10 },
    { name: 'Ratio', type: 'float' },
    { name: 'Done', type: 'boolean' },
    { name: 'When', type: 'date' },
    { name: 'At', type: 'datetime' },
    { name: 'Parts', type: 'custom_entity_link', isMulti: true },
    { name: 'Entry', type: 'entry_link' },
    { name: 'Notes', type: 'text' },
    { name: 'Meta', type: 'json' },
    { name: 'Old', type: 'text', archiveRecord: { reason: 'Retired' } },
  ],
};

t.test('checkFields: every problem listed, good values normalised', async (t) => {
  const bad = checkFields(schema, {
    Ratio: 'x',
    Done: 'yes',
    When: '2024-13-45x',
    At: 'noon',
    Parts: ['seq_1'],
    Entry: ['etr_a', 'etr_b'],
    Notes: 5,
    Meta: '{',
    Old: 'a',
    count: 3,
  });
  const text = bad.problems.join('\n');
  t.match(text, /"Count" is required/);
  t.match(text, /"Ratio" expects a number/);
  t.match(text, /"Done" expects true or false/);
  t.match(text, /"When" expects a date/);
  t.match(text, /"At" expects a date-time/);
  t.match(text, /"Parts" expects a custom entity id/);
  t.match(text, /"Entry" takes one value, not a list/);
  t.match(text, /"Notes" expects text/);
  t.match(text, /"Meta" expects valid JSON/);
  t.match(text, /"Old": this field .* is archived/);
  t.match(text, /"count": .*no such field \(did you mean "Count"\?\)/);
  t.match(text, /fields: "Count" \(integer, required\)/, "the schema's fields are listed to help");

  const good = checkFields(schema, {
    Count: '7',
    Ratio: 0.5,
    Done: 'true',
    When: '2024-05-01',
    At: '2024-05-01T10:00:00Z',
    Parts: 'bfi_abc',
    Entry: 'etr_x',
    Notes: 'n',
    Meta: '{"a":1}',
  });
  t.same(good.problems, []);
  t.same(good.fields, {
    Count: { value: 7 },
    Ratio: { value: 0.5 },
    Done: { value: true },
    When: { value: '2024-05-01' },
    At: { value: '2024-05-01T10:00:00Z' },
    Parts: { value: ['bfi_abc'] },
    Entry: { value: 'etr_x' },
    Notes: { value: 'n' },
    Meta: { value: '{"a":1}' },
  });
  t.match(checkFields(schema, { Count: 11 }).problems[0], /at most 10/);
  t.match(checkFields(schema, { Count: 1.5 }).problems[0], /whole number/);
  t.same(checkFields(schema, { Count: 0, Ratio: null }).problems, [], 'null leaves an optional field unset');
});

t.test('notesAsText: kinds of notes, bounded', async (t) => {
  const days = [
    {
      date: '2024-05-01',
      title: 'Day one',
      notes: [
        { type: 'text', text: 'Hello' },
        { type: 'list_number', text: 'a', indentation: 1 },
        { type: 'list_number', text: 'b', indentation: 1 },
        // Benchling's list levels: 1 is the top of a list, 2 its children.
        { type: 'list_bullet', text: 'c', indentation: 2 },
        { type: 'list_checkbox', text: 'd', checked: false, indentation: 1 },
        { type: 'table', text: '', table: { name: 'T', columnLabels: ['x', 'y|z'], rows: [{ cells: [{ text: '1' }] }] } },
        { type: 'code', text: 'print(1)' },
        { type: 'assay_run', text: 'Run 5' },
      ],
    },
  ];
  const { text, truncated } = notesAsText(days, 10_000);
  t.equal(truncated, false);
  t.equal(
    text,
    [
      '## 2024-05-01 — Day one',
      'Hello',
      '1. a',
      '2. b',
      '  - c',
      '- [ ] d',
      'Table: T',
      '| x | y\\|z |',
      '| --- | --- |',
      '| 1 |  |',
      '```',
      'print(1)',
      '```',
      '[assay_run] Run 5',
    ].join('\n'),
  );
  const cut = notesAsText(days, 60);
  t.equal(cut.truncated, true);
  t.ok(cut.text.length <= 60 + '\n[… notes truncated]'.length);
  t.match(cut.text, /notes truncated\]$/);
});

t.test('cursors: round trip, bound to their query, junk refused', async (t) => {
  const c = encodeCursor('x_list', { a: 1, page_size: 5 }, { t: 'tok', o: 3, n: 10, l: 'etr_1' });
  t.same(decodeCursor('x_list', { a: 1, page_size: 50 }, c), { t: 'tok', o: 3, n: 10, l: 'etr_1' }, 'page_size may change between pages');
  t.throws(() => decodeCursor('x_list', { a: 2 }, c), ToolError);
  t.throws(() => decodeCursor('y_list', { a: 1 }, c), ToolError);
  t.throws(() => decodeCursor('x_list', { a: 1 }, 'c1.!!!'), ToolError);
  t.same(decodeCursor('x_list', {}, undefined), {});
});

t.test('ids by prefix', async (t) => {
  t.equal(kindOfId('etr_abc123'), 'entry');
  t.equal(kindOfId('prtn_Egfp0001'), 'aaSequence');
  t.equal(kindOfId('lib_abc123'), 'folder');
  t.equal(kindOfId('EGFP'), undefined);
  t.equal(kindOfId('seq_'), undefined);
  t.ok(idSchema('folder').safeParse('lib_abc123').success);
  t.notOk(idSchema('folder').safeParse('lib_../../x').success, 'nothing that could leave the path segment');
  t.notOk(idSchema('folder').safeParse('etr_abc123').success);
});

t.test("Benchling's error body: read defensively, key scrubbed", async (t) => {
  t.same(errorBodyOf({ error: { type: 'invalid_request_error', message: 'm', userMessage: 'u', invalidId: 'etr_x' } }), {
    type: 'invalid_request_error',
    message: 'm',
    userMessage: 'u',
    invalidId: 'etr_x',
  });
  t.equal(errorBodyOf('<html>'), undefined);
  t.equal(errorBodyOf({ error: 'nope' }), undefined);
  t.equal(describeErrorBody({ message: 'Key sk_secret_123 is bad', userMessage: 'Key sk_secret_123 is bad' }, 'sk_secret_123'), 'Key [redacted] is bad');
  t.equal(describeErrorBody({ message: 'tech', userMessage: 'friendly' }, undefined), 'friendly (tech)');
  t.ok((describeErrorBody({ message: 'x'.repeat(5000) }, undefined) ?? '').length <= 1001);
});

t.test('settings: defaults, bounds, and no credentials in BENCHLING_URL', async (t) => {
  const config = loadConfig(benchlingSettings, {});
  t.match(clientSettingsFrom(config), { timeoutMs: 30_000, maxAttempts: 5, maxWaitMs: 40_000, maxConcurrencyPerKey: 4, slowdownRemaining: 10 });
  t.equal(config.BENCHLING_FOLDER_SCAN_MAX_PAGES, 5);
  t.throws(() => loadConfig(benchlingSettings, { BENCHLING_URL: 'https://user:pw@tenant.benchling.com' }), /must not hold credentials/);
  t.throws(() => loadConfig(benchlingSettings, { BENCHLING_RETRY_MAX_ATTEMPTS: '0' }), /BENCHLING_RETRY_MAX_ATTEMPTS/);
  t.throws(() => loadConfig(benchlingSettings, { BENCHLING_FOLDER_SCAN_PAGE_SIZE: '101' }), /at most 100/);
});

t.test('tool schemas are converted to JSON Schema once, handed out as copies', async (t) => {
  const { benchlingTools } = await import('../src/tools/index.js');
  const { z } = await import('zod');
  const tool = benchlingTools.find((x) => x.name === 'entries_list')!;
  const std = (tool.input as unknown as { '~standard': { jsonSchema: { input: (o: { target: string }) => Record<string, unknown> } } })['~standard'];
  const a = std.jsonSchema.input({ target: 'draft-2020-12' });
  const b = std.jsonSchema.input({ target: 'draft-2020-12' });
  t.same(a, b);
  t.not(a, b, 'a fresh copy each time');
  t.same(a, z.toJSONSchema(tool.input, { target: 'draft-2020-12', io: 'input' }), 'the same as a fresh conversion');
  t.ok(tool.input.safeParse({ folder_id: 'lib_abc123' }).success, 'validation untouched');
});
