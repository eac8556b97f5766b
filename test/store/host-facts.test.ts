import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatInfo } from '../../src/commands/info-command.js';
import { applyCaptureZone } from '../../src/commands/capture-time.js';
import { CaptureReader } from '../../src/store/index.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { setDisplayZone } from '../../src/text/index.js';
import { recordChained } from './chain-helpers.js';
import { tempDir } from './helpers.js';

const V1 = fileURLToPath(new URL('../fixtures/store/v1-capture.db', import.meta.url));

/** Records a capture as if on a host in `zone` (the recorder reads the zone at creation). */
async function recordIn(dir: string, zone: string, name: string): Promise<string> {
  const was = process.env.TZ;
  process.env.TZ = zone;
  try {
    return (await recordChained(dir, name, { batches: 2 })).path;
  } finally {
    if (was === undefined) delete process.env.TZ;
    else process.env.TZ = was;
  }
}

describe("a capture keeps its host's time zone", () => {
  const t = tempDir('ebpfsh-hostfacts-');
  afterAll(() => t.cleanup());
  afterEach(() => setDisplayZone('local', null));

  it('records the IANA zone and the offset at the start, chained by the first batch: verify finds it intact', async () => {
    const path = await recordIn(t.dir, 'Asia/Tokyo', 'tokyo.db');
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT key, value FROM host_facts ORDER BY id').all()).toEqual([{ key: 'time_zone', value: 'Asia/Tokyo' }, { key: 'utc_offset_minutes', value: '540' }]);
    const first = db.prepare('SELECT tables FROM chain WHERE seq = 1').pluck().get() as string;
    expect((JSON.parse(first) as [string, number, number][]).find((x) => x[0] === 'host_facts')?.slice(0, 4)).toEqual(['host_facts', 1, 2, 2]);
    db.close();
    expect((await verifyCapture(path)).verdict).toBe('intact');
    const r = CaptureReader.open(path);
    expect(r.hostZone()).toBe('Asia/Tokyo');
    applyCaptureZone(r.hostZone(), 'host');
    expect(formatInfo(r.info(), [], [])).toMatch(/^times {5}UTC\+09:00 Asia\/Tokyo$/m);
    applyCaptureZone(r.hostZone(), 'utc');
    expect(formatInfo(r.info(), [], [])).toMatch(/^times {5}UTC$/m);
    r.close();
  });

  it('an edited zone is tampering: verify says so', async () => {
    const path = await recordIn(t.dir, 'Europe/Berlin', 'edited.db');
    const db = new Database(path);
    db.prepare("UPDATE host_facts SET value = 'UTC' WHERE key = 'time_zone'").run();
    db.close();
    const v = await verifyCapture(path);
    expect(v.verdict).toBe('tampered');
    expect(JSON.stringify(v.problems)).toMatch(/host_facts/);
  });

  it('a zone the reader does not know is not used', async () => {
    const path = await recordIn(t.dir, 'Europe/Berlin', 'hostile.db');
    const db = new Database(path);
    db.prepare("UPDATE host_facts SET value = ? WHERE key = 'time_zone'").run('\u001b]0;x\u0007Europe/Berlin');
    db.close();
    const r = CaptureReader.open(path);
    expect(r.hostZone()).toBeNull();
    r.close();
  });

  it("a capture from before schema 4 gets the table empty on migration and says 'zone unknown: shown as local'", () => {
    const p = join(t.dir, 'v1.db');
    copyFileSync(V1, p);
    const r = CaptureReader.open(p);
    expect(r.info().hostZone).toBeNull();
    expect(r.hostZone()).toBeNull();
    applyCaptureZone(r.hostZone(), 'host');
    expect(formatInfo(r.info(), [], [])).toMatch(/^times {5}.*zone unknown: shown as local$/m);
    r.close();
  });
});

describe("a capture keeps its host's user names", () => {
  const t = tempDir('ebpfsh-hostusers-');
  afterAll(() => t.cleanup());

  it("records /etc/passwd and /etc/group names, chained; the reader returns them validated; old captures have none", async () => {
    const { path } = await recordChained(t.dir, 'users.db', { batches: 1 });
    const r = CaptureReader.open(path);
    const names = r.hostNames();
    expect(names).toContainEqual({ kind: 'user', num: 0, name: 'root' });
    expect(names.some((n) => n.kind === 'group')).toBe(true);
    r.close();
    expect((await verifyCapture(path)).verdict).toBe('intact');
    const db = new Database(path);
    db.prepare("INSERT INTO host_users (kind, num, name) VALUES ('user', 'x', 'y'), ('admin', 5, 'z')").run();
    db.close();
    const r2 = CaptureReader.open(path);
    expect(r2.hostNames().length).toBe(names.length);
    r2.close();
    const v1 = join(t.dir, 'v1.db');
    copyFileSync(V1, v1);
    const r3 = CaptureReader.open(v1);
    expect(r3.hostNames()).toEqual([]);
    r3.close();
  });
});
