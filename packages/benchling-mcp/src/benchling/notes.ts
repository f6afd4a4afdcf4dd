import type { ApiEntryDay, ApiNote } from './types.js';

/**
 * An entry's days and notes as readable text (markdown-ish): one heading per day, then its notes as
 * paragraphs, lists, checkboxes, tables and code blocks. Bounded: past `maxChars` the text is cut.
 */
export function notesAsText(days: ApiEntryDay[] | undefined, maxChars: number): { text: string; truncated: boolean } {
  const out: string[] = [];
  let size = 0;
  let truncated = false;
  const push = (line: string): boolean => {
    if (size + line.length + 1 > maxChars) {
      const room = maxChars - size - 1;
      if (room > 20) out.push(`${line.slice(0, room - 1)}…`);
      truncated = true;
      return false;
    }
    out.push(line);
    size += line.length + 1;
    return true;
  };
  outer: for (const day of days ?? []) {
    if (!push(`## ${day.date ?? 'Undated'}${day.title ? ` — ${day.title}` : ''}`)) break;
    let number = 0;
    for (const note of day.notes ?? []) {
      number = note.type === 'list_number' ? number + 1 : 0;
      for (const line of renderNote(note, number)) if (!push(line)) break outer;
    }
    if (!push('')) break;
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  if (truncated) out.push('[… notes truncated]');
  return { text: out.join('\n'), truncated };
}

function renderNote(note: ApiNote, number: number): string[] {
  // Benchling: "a bulleted list with children is modeled as one note part with indentation 1 followed by note
  // parts with indentation 2": list items start at 1, other notes at 0.
  const isList = note.type === 'list_bullet' || note.type === 'list_number' || note.type === 'list_checkbox';
  const level = (note.indentation ?? (isList ? 1 : 0)) - (isList ? 1 : 0);
  const indent = '  '.repeat(Math.max(0, Math.min(10, level)));
  const text = (note.text ?? '').replace(/\r\n?/g, '\n');
  switch (note.type) {
    case 'list_bullet':
      return [`${indent}- ${text}`];
    case 'list_number':
      return [`${indent}${number}. ${text}`];
    case 'list_checkbox':
      return [`${indent}- [${note.checked ? 'x' : ' '}] ${text}`];
    case 'code':
      return ['```', ...text.split('\n'), '```'];
    case 'table':
      return renderTable(note, text);
    case 'external_file':
      // The id is what attachment_read takes (with the entry id).
      return [`${indent}[attached file ${note.externalFileId ?? '?'}]${text ? ` ${text}` : ''}`];
    case 'text':
    case undefined:
      return text ? [`${indent}${text}`] : [];
    default:
      // Embedded objects (results tables, files, plates, ...) the API describes only in part: name the kind.
      return [`${indent}[${note.type}]${text ? ` ${text}` : ''}`];
  }
}

function renderTable(note: ApiNote, text: string): string[] {
  const table = note.table;
  const lines: string[] = [];
  if (text) lines.push(text);
  if (!table) return lines;
  if (table.name) lines.push(`Table: ${table.name}`);
  const cell = (s: string | null | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const labels = table.columnLabels ?? [];
  const rows = (table.rows ?? []).map((r) => (r.cells ?? []).map((c) => cell(c.text)));
  const width = Math.max(labels.length, ...rows.map((r) => r.length), 0);
  if (width === 0) return lines;
  const pad = (r: string[]) => [...r, ...Array<string>(Math.max(0, width - r.length)).fill('')];
  lines.push(`| ${pad(labels.map(cell)).join(' | ')} |`);
  lines.push(`| ${Array<string>(width).fill('---').join(' | ')} |`);
  for (const r of rows) lines.push(`| ${pad(r).join(' | ')} |`);
  return lines;
}
