import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSchemaSql } from '../../src/store/index.js';
import { forensicViewsSql } from '../../src/store/reader/forensic-views.js';

const doc = readFileSync(new URL('../../docs/capture-format.md', import.meta.url), 'utf8');
const HEADING = '## Ready-made views (only inside `ebpfsh query`)';

/** The views section of the doc. */
function viewsSection(): string {
  const at = doc.indexOf(HEADING);
  expect(at, HEADING).toBeGreaterThanOrEqual(0);
  const next = doc.slice(at + HEADING.length).search(/\n## /);
  return doc.slice(at, next < 0 ? undefined : at + HEADING.length + next);
}

/** Every ready-made view the reader creates, with its columns as SQLite builds them. */
function readerViews(): Map<string, string[]> {
  const db = new Database(':memory:');
  try {
    for (const sql of createSchemaSql()) db.exec(sql);
    for (const sql of forensicViewsSql(false)) db.exec(sql);
    const names = db.prepare("SELECT name FROM sqlite_temp_schema WHERE type = 'view'").pluck().all() as string[];
    return new Map(names.map((n) => [n, (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(n) as string[])]));
  } finally {
    db.close();
  }
}

describe('docs/capture-format.md: the ready-made views', () => {
  it('documents every view the reader creates, with exactly its columns, and no other', () => {
    const sec = viewsSection();
    const views = readerViews();
    expect(views.size).toBeGreaterThanOrEqual(6);
    for (const [name, cols] of views) {
      const row = new RegExp(`^\\| \`${name}\` \\|[^|]*\\|[^|]*\\| ([^|]*) \\|$`, 'm').exec(sec);
      expect(row, `a row for view ${name}`).not.toBeNull();
      expect(row![1]!.split(',').map((c) => c.trim()), `columns of ${name}`).toEqual(cols);
    }
    const documented = [...sec.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...views.keys()].sort());
  });

  it('says plainly that they exist only inside ebpfsh query, not in the capture', () => {
    expect(viewsSection()).toMatch(/\*\*not stored in the\s+capture\*\*: plain `sqlite3`/);
  });

  it('gives no time example that Debian 12\'s sqlite3 (3.40) answers with NULL', () => {
    expect(doc).not.toMatch(/datetime\([^)]*'subsec'/);
    expect(doc).toContain("strftime('%Y-%m-%d %H:%M:%f', wall_ns / 1e9, 'unixepoch')");
  });
});
