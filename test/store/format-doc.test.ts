import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../src/probes/index.js';
import { APPLICATION_ID, CORE_TABLES, EVENTS_VIEW_COLUMNS, SCHEMA_VERSION, createSchemaSql, probeColumns } from '../../src/store/index.js';

const doc = readFileSync(new URL('../../docs/capture-format.md', import.meta.url), 'utf8');

/** The markdown section that starts at `heading`. */
function section(heading: string): string {
  const at = doc.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const next = doc.slice(at + heading.length).search(/\n#{2,4} /);
  return next < 0 ? doc.slice(at) : doc.slice(at, at + heading.length + next);
}

describe('docs/capture-format.md holds true', () => {
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
      const core = CORE_TABLES.some((c) => c.name === t.name);
      const probe = PROBES.find((p) => p.table === t.name);
      const sec = t.type === 'view' ? section('### `events` (view)') : core ? section(`### \`${t.name}\``) : section(`#### \`${t.name}\` (${probe!.name})`);
      for (const c of db.prepare('SELECT name, type FROM pragma_table_info(?)').all(t.name) as { name: string; type: string }[]) {
        expect(sec, `${t.name}.${c.name}`).toMatch(new RegExp(`\\| \`${c.name}\` \\|${t.type === 'view' ? '' : ` ${c.type || 'TEXT'} \\|`}`));
      }
    }
    db.close();
    expect(tables.length).toBe(CORE_TABLES.length + PROBES.length + 1);
  });

  it('documents nothing that is not there', () => {
    const names = new Set([...CORE_TABLES.flatMap((t) => t.columns.map((c) => c.name)), ...PROBES.flatMap((p) => probeColumns(p).map((c) => c.name)), ...EVENTS_VIEW_COLUMNS.map((c) => c.name), 'id']);
    const tables = doc.slice(doc.indexOf('## Tables'));
    for (const m of tables.matchAll(/^\| `([a-z_]+)` \|/gm)) expect(names.has(m[1]!), m[1]).toBe(true);
  });
});
