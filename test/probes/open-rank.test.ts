import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { OPEN_LIBRARY, OPEN_OTHER, OPEN_RANK_SQL, OPEN_SENSITIVE_FAILURE, OPEN_WRITE, openRank } from '../../src/probes/opensnoop/open-rank.js';
import { opensnoopFacets } from '../../src/probes/opensnoop/facets.js';
import { openEvent } from '../store/helpers.js';

const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/** [path, flags, ret, rank] */
const CASES: [string, number, number, number][] = [
  ['/tmp/.x/kworker', O_WRONLY | O_CREAT | O_TRUNC, 3, OPEN_WRITE],
  ['/usr/lib/x86_64-linux-gnu/libc.so.6', 2, 3, OPEN_WRITE],
  ['/tmp/new', O_CREAT, 3, OPEN_WRITE],
  ['/var/log/auth.log', O_TRUNC, 3, OPEN_WRITE],
  ['/etc/shadow', 0, -13, OPEN_SENSITIVE_FAILURE],
  ['/home/u/.bashrc', 0, -2, OPEN_SENSITIVE_FAILURE],
  ['/srv/x/.ssh/id_rsa', 0, -2, OPEN_SENSITIVE_FAILURE],
  ['/root/notes', 0, -1, OPEN_SENSITIVE_FAILURE],
  ['/etc/shadow', 0, 3, OPEN_OTHER],
  ['/usr/pyvenv.cfg', 0, -2, OPEN_OTHER],
  ['/etc/ld.so.preload', 0, -2, OPEN_SENSITIVE_FAILURE],
  ['/etc/ld.so.preload', 0, 3, OPEN_OTHER],
  ['/tmp/payload', 0, 3, OPEN_OTHER],
  ['/tmp/libevil.sox', 0, 3, OPEN_OTHER],
  ['/library/x', 0, 3, OPEN_OTHER],
  ['/usr/lib64/x', 0, 3, OPEN_LIBRARY],
  ['/libx32/x', 0, 3, OPEN_LIBRARY],
  ['/usr/lib/x86_64-linux-gnu/libc.so.6', 0, 3, OPEN_LIBRARY],
  ['/lib64/ld-linux-x86-64.so.2', 0, 3, OPEN_LIBRARY],
  ['/opt/app/libfoo.so', 0, 3, OPEN_LIBRARY],
  ['/tmp/a.so.1\nfake', 0, 3, OPEN_LIBRARY],
  ['/usr/share/locale/de/LC_MESSAGES/x.mo', 0, -2, OPEN_LIBRARY],
  ['/usr/lib/locale/locale-archive', 0, 3, OPEN_LIBRARY],
  ['/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache', 0, 3, OPEN_LIBRARY],
  ['/etc/ld.so.cache', 0, 3, OPEN_LIBRARY],
  ['/proc/self/maps', 0, 3, OPEN_LIBRARY],
  ['/proc/thread-self/attr/current', 0, 3, OPEN_LIBRARY],
  ['/proc/1/environ', 0, 3, OPEN_OTHER],
];

describe('how telling an open is', () => {
  it.each(CASES)('%s flags %o ret %i ranks %i', (path, flags, ret, rank) => {
    expect(openRank(path, flags, ret)).toBe(rank);
  });

  it('ranks every case the same in a capture (SQL) as live (TypeScript)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE opens (path TEXT, flags INTEGER, ret INTEGER)');
    const add = db.prepare('INSERT INTO opens VALUES (?, ?, ?)');
    for (const [path, flags, ret] of CASES) add.run(path, flags, ret);
    const rows = db.prepare(`SELECT path, flags, ret, ${OPEN_RANK_SQL} AS rank FROM opens`).all() as { path: string; flags: number; ret: number; rank: number }[];
    expect(rows.map((r) => r.rank)).toEqual(CASES.map(([, , , rank]) => rank));
    db.close();
  });

  it('ranks whatever a hostile capture holds in the columns without failing', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE opens (path, flags, ret)');
    db.prepare('INSERT INTO opens VALUES (?, ?, ?)').run(Buffer.from([0xff, 0x2f]), 'x', null);
    db.prepare('INSERT INTO opens VALUES (?, ?, ?)').run(null, null, 'y');
    expect(db.prepare(`SELECT ${OPEN_RANK_SQL} FROM opens`).pluck().all()).toEqual([OPEN_OTHER, OPEN_OTHER]);
    db.close();
  });

  it('calls a library or locale open noise, and never a write or a missing path', () => {
    expect(opensnoopFacets.isNoise!(openEvent(0, '/usr/lib/x86_64-linux-gnu/libc.so.6'))).toBe(true);
    expect(opensnoopFacets.isNoise!(openEvent(0, '/tmp/x'))).toBe(false);
    const write = openEvent(0, '/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(opensnoopFacets.isNoise!({ ...write, fields: { ...write.fields, flags: O_WRONLY } })).toBe(false);
    expect(opensnoopFacets.isNoise!({ ...write, fields: { ...write.fields, path: null } })).toBe(false);
  });
});
