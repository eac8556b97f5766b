import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTree, TREE_MAX_PROCESSES } from '../../src/commands/tree-command.js';
import { CaptureReader } from '../../src/store/index.js';
import { READ_BOUNDS } from '../../src/store/reader/capture-reader.js';
import { sha256 } from '../store/helpers.js';
import { ebpfsh, hostileCopy, normalCapture } from './hostile-capture.js';

describe('a capture built to make a reader run forever or without bound', () => {
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-sec-bounds-'));
    base = await normalCapture(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parent links that form a cycle: tree and ancestors end', async () => {
    const cyc = hostileCopy(base, 'cycle.db', (db) => {
      db.exec('UPDATE processes SET parent_pid = 1001, parent_start_ticks = 200 WHERE pid = 1000');
      db.exec('UPDATE processes SET parent_pid = 1000, parent_start_ticks = 100 WHERE pid = 1001');
      db.exec('UPDATE processes SET parent_pid = 1, parent_start_ticks = 1 WHERE pid = 1');
    });
    const before = sha256(cyc);
    const r = ebpfsh(['tree', cyc, '--pid', '1000'], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ancestors:\n {2}1001 child/);
    const self = ebpfsh(['tree', cyc, '--pid', '1'], { timeoutMs: 20_000 });
    expect(self.code).toBe(0);
    expect(sha256(cyc)).toBe(before);
  });

  it('a process with 5,000 children and a 3,000-long parent chain: tree lists a bounded number, and says so', async () => {
    const wide = hostileCopy(base, 'wide.db', (db) => {
      const boot = db.prepare('SELECT boot_id FROM capture').pluck().get();
      const add = db.prepare("INSERT INTO processes (boot_id, pid, start_ticks, parent_pid, parent_start_ticks, uid, comm, source) VALUES (?, ?, ?, ?, ?, 0, 'kid', 'fork')");
      db.transaction(() => {
        for (let i = 0; i < 5000; i++) add.run(boot, 100_000 + i, 1, 1000, 100);
        // A long chain above pid 1: 1 <- 200000 <- 200001 <- ...
        for (let i = 0; i < 3000; i++) add.run(boot, 200_000 + i, 1, i === 0 ? 1 : 200_000 + i - 1, i === 0 ? 1 : 1);
        db.exec('UPDATE processes SET parent_pid = 202999, parent_start_ticks = 1 WHERE pid = 1');
      })();
    });
    const r = CaptureReader.open(wide);
    try {
      const text = await formatTree(r, 1000);
      const [ancestors, descendants] = text.split('process and descendants:\n') as [string, string];
      expect(text).toMatch(/… \d+\+? more processes not listed/);
      const kids = descendants.split('\n').filter((l) => / kid /.test(l)).length;
      expect(kids).toBeGreaterThan(100);
      expect(kids).toBeLessThanOrEqual(TREE_MAX_PROCESSES);
      expect(ancestors.split('\n').filter((l) => / kid /.test(l)).length).toBeLessThanOrEqual(READ_BOUNDS.ancestors);
      const p = r.process(1000)!;
      expect(r.children(p).length).toBe(READ_BOUNDS.children);
      expect(r.ancestors(p).length).toBeLessThanOrEqual(READ_BOUNDS.ancestors);
    } finally {
      r.close();
    }
  }, 60_000);

  it('journal and notes of 30,000 rows each, and 5,000 loss causes: info reads a bounded number', () => {
    const big = hostileCopy(base, 'big.db', (db) => {
      db.transaction(() => {
        const j = db.prepare("INSERT INTO journal (ts, action, detail) VALUES (1, 'filter', 'x')");
        const n = db.prepare("INSERT INTO notes (ts, text) VALUES (1, 'n')");
        const l = db.prepare("INSERT INTO losses (probe, cause, start_ns, count) VALUES ('opensnoop', ?, 1, 1)");
        for (let i = 0; i < 30_000; i++) {
          j.run();
          n.run();
        }
        for (let i = 0; i < 5000; i++) l.run(`cause${i}`);
      })();
    });
    const r = CaptureReader.open(big);
    try {
      expect(r.journal().length).toBe(READ_BOUNDS.journal);
      expect(r.notes().length).toBe(READ_BOUNDS.notes);
      expect(r.info().losses.length).toBe(READ_BOUNDS.lossGroups);
    } finally {
      r.close();
    }
  });
});
