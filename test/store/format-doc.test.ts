import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../src/probes/index.js';
import { APPLICATION_ID, CHAIN_TABLES, CORE_TABLES, EVENTS_VIEW_COLUMNS, SCHEMA_VERSION, createSchemaSql, probeColumns } from '../../src/store/index.js';
import { summaryTables } from '../../src/store/summaries.js';

const DOC_URL = new URL('../../docs/capture-format.md', import.meta.url);
const doc = readFileSync(DOC_URL, 'utf8');

// The probe tables' section of the doc is generated from the probe specs by
// this test: it must equal what they render, and `EBPFSH_WRITE_DOCS=1 npx
// vitest run test/store/format-doc.test.ts` rewrites it after a spec changes.
const BEGIN = '<!-- probe tables: generated from the probe specs by test/store/format-doc.test.ts (EBPFSH_WRITE_DOCS=1 rewrites it); do not edit -->';
const END = '<!-- end of probe tables -->';

/** The markdown of every probe table, from its column spec and the type SQLite gives each column. */
function renderProbeTables(): string {
  const db = new Database(':memory:');
  for (const sql of createSchemaSql()) db.exec(sql);
  const out: string[] = [];
  for (const p of PROBES) {
    const types = new Map((db.prepare('SELECT name, type FROM pragma_table_info(?)').all(p.table) as { name: string; type: string }[]).map((c) => [c.name, c.type]));
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    out.push(`#### \`${p.table}\` (${p.name})`, '| column | type | meaning |', '|---|---|---|', `| \`id\` | ${types.get('id')} | row id |`);
    for (const c of probeColumns(p)) out.push(`| \`${c.name}\` | ${types.get(c.name) || 'TEXT'} | ${cell(c.doc)} |`);
    out.push('');
  }
  db.close();
  return out.join('\n');
}

/** The markdown section that starts at `heading`. */
function section(heading: string): string {
  const at = doc.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const next = doc.slice(at + heading.length).search(/\n#{2,4} /);
  return next < 0 ? doc.slice(at) : doc.slice(at, at + heading.length + next);
}

describe('docs/capture-format.md holds true', () => {
  it('documents every column of every probe table as the probe specs say, and nothing else', () => {
    const begin = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(begin, 'the generated probe tables markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    const want = renderProbeTables();
    const have = doc.slice(begin + BEGIN.length + 1, end);
    if (process.env.EBPFSH_WRITE_DOCS === '1' && have !== want) writeFileSync(DOC_URL, doc.slice(0, begin + BEGIN.length + 1) + want + doc.slice(end));
    else expect(have, 'docs/capture-format.md probe tables are stale: EBPFSH_WRITE_DOCS=1 npx vitest run test/store/format-doc.test.ts').toBe(want);
    // and no hand-written probe table outside the generated part
    expect(doc.slice(0, begin).match(/^#### /gm) ?? []).toEqual([]);
    expect(doc.slice(end).match(/^#### /gm) ?? []).toEqual([]);
  });

  it('names the version and application id', () => {
    expect(doc).toContain(`# Capture format (schema version ${SCHEMA_VERSION})`);
    expect(doc).toContain(`\`PRAGMA application_id\` = \`${APPLICATION_ID}\``);
  });

  it('documents every table and column the schema creates, with its type', () => {
    // From the schema SQLite actually builds, not from our own lists.
    const db = new Database(':memory:');
    for (const sql of createSchemaSql()) db.exec(sql);
    const tables = db.prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view')").all() as { name: string; type: string }[];
    for (const t of tables) {
      const core = [...CORE_TABLES, ...CHAIN_TABLES, ...summaryTables()].some((c) => c.name === t.name);
      const probe = PROBES.find((p) => p.table === t.name);
      const sec = t.type === 'view' ? section('### `events` (view)') : core ? section(`### \`${t.name}\``) : section(`#### \`${t.name}\` (${probe!.name})`);
      for (const c of db.prepare('SELECT name, type FROM pragma_table_info(?)').all(t.name) as { name: string; type: string }[]) {
        expect(sec, `${t.name}.${c.name}`).toMatch(new RegExp(`\\| \`${c.name}\` \\|${t.type === 'view' ? '' : ` ${c.type || 'TEXT'} \\|`}`));
      }
    }
    db.close();
    expect(tables.length).toBe(CORE_TABLES.length + CHAIN_TABLES.length + summaryTables().length + PROBES.length + 1);
  });

  it('documents nothing that is not there', () => {
    const names = new Set([...[...CORE_TABLES, ...CHAIN_TABLES, ...summaryTables()].flatMap((t) => t.columns.map((c) => c.name)), ...PROBES.flatMap((p) => probeColumns(p).map((c) => c.name)), ...EVENTS_VIEW_COLUMNS.map((c) => c.name), 'id']);
    const tables = doc.slice(doc.indexOf('## Tables'));
    for (const m of tables.matchAll(/^\| `([a-z_]+)` \|/gm)) expect(names.has(m[1]!), m[1]).toBe(true);
  });
});
