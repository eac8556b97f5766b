import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureOpenHooks } from '../../src/store/writer/capture-file.js';
import { CaptureReader, Recorder, recoverCapture } from '../../src/store/index.js';
import { sha256 } from '../store/helpers.js';

/*
 * The attacker is uid 1000, a real unprivileged user, acting on a directory
 * root records into with `-w`. Root is us (the test runs as root).
 */
const USER = 1000;
const BIN = join(__dirname, '../../bin/ebpfsh');

/** Runs a shell command as the unprivileged user, synchronously (hooks run inside createCapture). */
function asUser(script: string, cwd: string): void {
  const r = spawnSync('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', 'sh', '-c', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`as uid ${USER}: ${script}: ${r.stderr}`);
}

/** A SQLite file with a trigger that would fire on the recorder's own inserts. */
function evilCapture(path: string): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE journal (ts, action, detail); CREATE TABLE capture (id); CREATE TABLE pwned (n);
    CREATE TRIGGER t AFTER INSERT ON journal BEGIN INSERT INTO pwned VALUES (1); END;`);
  db.close();
  chownSync(path, USER, USER);
}

/**
 * A "hot" rollback journal for `db` as SQLite would leave one, with no pages
 * and a super-journal pointing at `victim`: an open that plays it back
 * deletes `victim` (reproduced with this SQLite: any file root can unlink).
 */
function hotJournal(db: string, victim: string): Buffer {
  const pageSize = 16384;
  const magic = Buffer.from('d9d505f920a163d7', 'hex');
  const hdr = Buffer.alloc(512);
  magic.copy(hdr, 0);
  hdr.writeUInt32BE(0, 8); // no page records
  hdr.writeUInt32BE(12345, 12);
  hdr.writeUInt32BE(statSync(db).size / pageSize, 16); // the database keeps its size
  hdr.writeUInt32BE(512, 20);
  hdr.writeUInt32BE(pageSize, 24);
  const name = Buffer.from(victim);
  const tail = Buffer.alloc(4 + name.length + 16);
  tail.writeUInt32BE(Math.floor(0x40000000 / pageSize) + 1, 0);
  name.copy(tail, 4);
  tail.writeUInt32BE(name.length, 4 + name.length);
  tail.writeUInt32BE(name.reduce((a, b) => (a + b) >>> 0, 0), 8 + name.length);
  magic.copy(tail, 12 + name.length);
  return Buffer.concat([hdr, tail]);
}

const base = mkdtempSync(join(tmpdir(), 'ebpfsh-hostile-dir-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(() => {
  delete captureOpenHooks.beforeOpen;
  delete process.env.SUDO_UID;
});

/** A directory of `owner` with `mode` (chmod after mkdir: the umask does not apply). */
function dir(name: string, owner: number, mode: number): string {
  const d = join(base, name);
  mkdirSync(d);
  chownSync(d, owner, owner);
  chmodSync(d, mode);
  return d;
}

describe('recording into a directory others can rename files in is refused', () => {
  it('a world-writable directory without the sticky bit: refused before anything is created (ebpfsh record -w)', () => {
    const d = dir('world', 0, 0o777);
    const r = spawnSync(BIN, ['record', '-w', join(d, 'incident.db'), 'execsnoop', '--duration', '1'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^ebpfsh: cannot record to .*incident\.db: .*world can be written by other users \(mode 0777, no sticky bit\), who could swap the capture; choose a directory only root can write\n$/);
    expect(existsSync(join(d, 'incident.db'))).toBe(false);
  });

  it('a world-writable directory above the target: refused too', () => {
    const d = dir('world-above', 0, 0o777);
    mkdirSync(join(d, 'sub'), { mode: 0o700 });
    expect(() => Recorder.create(join(d, 'sub', 'x.db'), undefined, { toolVersion: 't' })).toThrow(/world-above can be written by other users/);
  });

  it("another user's own directory: refused (they could swap the files or plant a hot journal between root's opens)", () => {
    const d = dir('users', USER, 0o755);
    expect(() => Recorder.create(join(d, 'x.db'), undefined, { toolVersion: 't' })).toThrow(/users belongs to uid 1000, who could swap the capture's files while root writes them; choose a directory root owns/);
    expect(existsSync(join(d, 'x.db'))).toBe(false);
  });

  it('a sticky world-writable directory owned by root (like /tmp) is allowed', async () => {
    const d = dir('sticky-ok', 0, 0o1777);
    const rec = Recorder.create(join(d, 'x.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    expect((await rec.stop()).journalMode).toBe('delete');
  });
});

describe('names planted before root creates the capture (sticky directory, like /tmp)', () => {
  let d: string;
  beforeAll(() => {
    d = dir('sticky', 0, 0o1777);
  });

  for (const suffix of ['-wal', '-shm', '-journal']) {
    it(`a planted x${suffix} is refused, never opened or replayed`, () => {
      const name = `p${suffix.slice(1)}.db`;
      asUser(`printf 'planted by the user' > ${name}${suffix}`, d);
      const before = sha256(join(d, `${name}${suffix}`));
      expect(() => Recorder.create(join(d, name), undefined, { toolVersion: 't' })).toThrow(new RegExp(`${name}${suffix} already exists \\(left by another program, or planted\\); remove it or choose a new file name`));
      expect(sha256(join(d, `${name}${suffix}`))).toBe(before);
      expect(lstatSync(join(d, `${name}${suffix}`)).uid).toBe(USER);
      // What root created on the way is removed; the planted file is not.
      expect(existsSync(join(d, name))).toBe(false);
    });
  }

  it('(the attack is real) that journal next to a capture SQLite opens read-write deletes the file it names', () => {
    const lab = dir('lab', 0, 0o700);
    const victim = join(lab, 'victim');
    writeFileSync(victim, 'root data\n');
    const db = new Database(join(lab, 'c.db'));
    db.pragma('page_size = 16384'); // as a capture's
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (a)');
    db.close();
    writeFileSync(join(lab, 'c.db-journal'), hotJournal(join(lab, 'c.db'), victim));
    const again = new Database(join(lab, 'c.db'), { fileMustExist: true });
    again.pragma('schema_version');
    again.close();
    expect(existsSync(victim)).toBe(false);
  });

  it('a hot journal slipped in before the writer opens the capture cannot make root delete a file', async () => {
    const victim = join(base, 'victim-hot');
    writeFileSync(victim, 'root data\n', { mode: 0o600 });
    const hot = join(base, 'hot-journal');
    captureOpenHooks.beforeOpen = (stage, path) => {
      if (stage !== 'writer') return;
      writeFileSync(hot, hotJournal(path, victim), { mode: 0o644 });
      // The user tries to replace root's -journal: the sticky bit stops the rename, its mode the write.
      asUser('mv h.db-journal h.old 2>/dev/null; cat hot > h.db-journal 2>/dev/null; cp ../hot-journal h.db-journal 2>/dev/null; true', d);
    };
    const rec = Recorder.create(join(d, 'h.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    expect((await rec.stop()).error).toBeUndefined();
    expect(readFileSync(victim, 'utf8')).toBe('root data\n');
  });

  it('a symlinked directory in the -w path, re-pointed by its owner between root\'s opens: the writer still opens the checked directory', async () => {
    const cases = dir('root-cases', 0, 0o755);
    const theirs = dir('their-cases', USER, 0o755);
    asUser(`ln -s ${cases} link`, d);
    captureOpenHooks.beforeOpen = (stage) => {
      if (stage === 'writer') asUser(`rm link && ln -s ${theirs} link`, d);
    };
    const rec = Recorder.create(join(d, 'link', 's.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    expect((await rec.stop()).error).toBeUndefined();
    expect(readdirSync(theirs)).toEqual([]);
    const r = CaptureReader.open(join(cases, 's.db'));
    expect(r.info().cleanStop).toBe(true);
    r.close();
  });

  it('a planted FILE.reserve does not delete the new capture, and a symlink there is not followed', async () => {
    const victim = join(base, 'victim');
    writeFileSync(victim, 'root data\n', { mode: 0o600 });
    asUser(`ln -s ${victim} r.db.reserve && printf x > r2.db.reserve`, d);
    for (const name of ['r.db', 'r2.db']) {
      const rec = Recorder.create(join(d, name), undefined, { toolVersion: 't', reserveBytes: 1 << 20 });
      await rec.whenReady();
      const res = await rec.stop();
      expect(res.error).toBeUndefined();
      const r = CaptureReader.open(join(d, name));
      expect(r.info().cleanStop).toBe(true);
      r.close();
    }
    expect(readFileSync(victim, 'utf8')).toBe('root data\n');
    expect(readlinkSync(join(d, 'r.db.reserve'))).toBe(victim);
    expect(readFileSync(join(d, 'r2.db.reserve'), 'utf8')).toBe('x');
  });
});

describe("the operator's own directory under sudo: a swap between root's opens is caught by file identity", () => {
  let d: string;
  let evil: string;
  beforeAll(() => {
    d = dir('operator', USER, 0o755);
    evil = join(d, 'evil.db');
    evilCapture(evil);
  });

  it('the capture swapped for a SQLite file with triggers before the writer thread opens it: refused, nothing runs in it', async () => {
    process.env.SUDO_UID = String(USER);
    const evilHash = sha256(evil);
    captureOpenHooks.beforeOpen = (stage) => {
      if (stage === 'writer') asUser('mv w.db w.db.mine && cp evil.db w.db', d);
    };
    const rec = Recorder.create(join(d, 'w.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await expect(rec.whenReady()).rejects.toThrow(/w\.db was replaced while it was being opened \(someone else can move files in .*operator\): nothing was written to it; record to a directory only root can write/);
    expect(sha256(join(d, 'w.db'))).toBe(evilHash);
    const db = new Database(join(d, 'w.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM pwned').pluck().get()).toBe(0);
    db.close();
  });

  it('the capture swapped before root itself opens it to write the schema: refused at once', () => {
    process.env.SUDO_UID = String(USER);
    const evilHash = sha256(evil);
    captureOpenHooks.beforeOpen = (stage) => {
      if (stage === 'create') asUser('mv c.db c.db.mine && cp evil.db c.db', d);
    };
    expect(() => Recorder.create(join(d, 'c.db'), undefined, { toolVersion: 't', reserveBytes: 0 })).toThrow(/c\.db was replaced while it was being opened/);
    expect(sha256(join(d, 'c.db'))).toBe(evilHash);
  });

  it('the -wal swapped for one of the user\'s before the writer opens it: refused', async () => {
    process.env.SUDO_UID = String(USER);
    captureOpenHooks.beforeOpen = (stage) => {
      if (stage === 'writer') asUser('mv v.db-wal v.db-wal.mine && printf planted > v.db-wal', d);
    };
    const rec = Recorder.create(join(d, 'v.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await expect(rec.whenReady()).rejects.toThrow(/v\.db-wal was replaced while it was being opened/);
  });

  it('no swap: the operator records into their own directory', async () => {
    process.env.SUDO_UID = String(USER);
    const rec = Recorder.create(join(d, 'ok.db'), undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    expect((await rec.stop()).error).toBeUndefined();
  });
});

describe('recovering a capture that lies in a sticky directory (root opens it read-write)', () => {
  let d: string;
  beforeAll(() => {
    d = dir('sticky-recover', 0, 0o1777);
  });

  /** A capture whose recorder "died": stopped without finishing, left in WAL form. */
  async function unclean(name: string): Promise<string> {
    const p = join(d, name);
    const rec = Recorder.create(p, undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    await rec.stop();
    const db = new Database(p);
    db.pragma('journal_mode = WAL');
    db.prepare('UPDATE capture SET end_ns = NULL').run();
    db.close();
    return p;
  }

  it('a hot journal planted next to it is refused, and the file it names survives', async () => {
    const p = await unclean('r1.db');
    const victim = join(base, 'victim-recover');
    writeFileSync(victim, 'root data\n', { mode: 0o600 });
    const hot = join(base, 'hot-recover');
    writeFileSync(hot, hotJournal(p, victim), { mode: 0o644 });
    asUser(`cp ${hot} r1.db-journal`, d);
    expect(() => recoverCapture(p)).toThrow(/r1\.db-journal is not the recorder's \(owner uid 1000, 1 links\); remove it before recovering/);
    expect(readFileSync(victim, 'utf8')).toBe('root data\n');
  });

  it('a -wal planted next to it is refused, not replayed', async () => {
    const p = await unclean('r2.db');
    asUser('printf planted > r2.db-wal', d);
    expect(() => recoverCapture(p)).toThrow(/r2\.db-wal is not the recorder's/);
  });

  it('with nothing planted it recovers and leaves one file', async () => {
    const p = await unclean('r3.db');
    expect(recoverCapture(p).wasUnclean).toBe(true);
    expect(readdirSync(d).filter((f) => f.startsWith('r3.db'))).toEqual(['r3.db']);
  });
});
