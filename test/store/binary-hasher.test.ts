import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import type { BinaryIdentity } from '../../src/probes/index.js';
import { BinaryHasher, identityKey, type BinaryHashOptions } from '../../src/store/writer/binary-hasher.js';
import type { SqlOp } from '../../src/store/writer/writer-protocol.js';

/** A fake /proc where pid N's exe is a symlink to a file of ours. */
describe('binary hasher: cache and bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-hasher-'));
  const proc = join(dir, 'proc');
  const files: Record<string, string> = {};
  beforeAll(() => {
    mkdirSync(proc);
    for (const [pid, body] of [['100', 'alpha'], ['200', 'beta beta'], ['300', 'gamma gamma gamma']] as const) {
      const f = join(dir, `bin-${pid}`);
      writeFileSync(f, body);
      files[pid] = f;
      mkdirSync(join(proc, pid));
      symlinkSync(f, join(proc, pid, 'exe'));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const identity = (pid: number, path = files[String(pid)]!): BinaryIdentity => {
    const st = statSync(path, { bigint: true });
    return { dev: Number(st.dev), ino: Number(st.ino), size: Number(st.size), mtime: Number(st.mtimeNs / 1_000_000_000n), mtimeNsec: Number(st.mtimeNs % 1_000_000_000n), pid, path };
  };
  const ev = (pid: number) => ({ ts: 1000 + pid, pid }) as unknown as TraceEvent;
  const hasher = (o: BinaryHashOptions = {}) => {
    const ops: SqlOp[] = [];
    return { h: new BinaryHasher({ procRoot: proc, ...o }, (op) => ops.push(op)), ops };
  };
  /** binaries rows as [sha256, outcome, pid]. */
  const rows = (ops: SqlOp[]) => ops.filter((o) => o.sql.includes('INSERT INTO binaries')).map((o) => [o.p![0], o.p![1], o.p![9]]);
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('hashes an identity once, however often it is executed', async () => {
    const { h, ops } = hasher();
    for (let i = 0; i < 5; i++) h.see(ev(100), identity(100));
    await h.drain();
    await h.close();
    expect(rows(ops)).toEqual([[sha('alpha'), 'hashed', 100]]);
    expect(h.counts()).toMatchObject({ hashed: 1, cached: 4 });
  });

  it('skips a file over the size limit without reading it, once per identity, counting every exec', async () => {
    const { h, ops } = hasher({ maxBytes: 6 });
    h.see(ev(200), identity(200));
    h.see(ev(200), identity(200));
    h.see(ev(100), identity(100));
    await h.drain();
    await h.close();
    expect(rows(ops)).toEqual([[null, 'too_big', 200], [sha('alpha'), 'hashed', 100]]);
    expect(h.counts().skipped.too_big).toBe(1);
    expect(h.counts().cached).toBe(1);
  });

  it('skips what does not fit the queue, counts it, and hashes it at a later exec', async () => {
    const { h, ops } = hasher({ maxQueue: 1 });
    h.see(ev(100), identity(100));
    h.see(ev(200), identity(200));
    await h.drain();
    h.see(ev(200), identity(200));
    await h.drain();
    await h.close();
    expect(rows(ops)).toEqual([[null, 'queue_full', 200], [sha('alpha'), 'hashed', 100], [sha('beta beta'), 'hashed', 200]]);
    expect(h.counts().skipped.queue_full).toBe(1);
  });

  it('says a process is gone when neither its exe nor its path can be opened, one row for many execs', async () => {
    const { h, ops } = hasher();
    const id = { ...identity(300), pid: 999, path: join(dir, 'no-such-file') };
    h.see(ev(999), id);
    h.see(ev(999), id);
    await h.close();
    expect(rows(ops)).toEqual([[null, 'gone', 999]]);
    expect(h.counts().skipped.gone).toBe(2);
  });

  it('reads a file by its path when the process is gone and the identity matches', async () => {
    const { h, ops } = hasher();
    h.see(ev(999), { ...identity(300), pid: 999 });
    await h.drain();
    await h.close();
    expect(rows(ops)).toEqual([[sha('gamma gamma gamma'), 'hashed', 999]]);
    expect(ops.find((o) => o.sql.includes('INSERT INTO binaries'))!.p![2]).toMatch(/^read by path/);
  });

  it('refuses a /proc/PID/exe that is not the file the exec ran (a later exec, a reused pid)', async () => {
    const { h, ops } = hasher();
    h.see(ev(100), { ...identity(100), size: 12345 });
    await h.close();
    expect(rows(ops)).toEqual([[null, 'changed', 100]]);
  });

  it('collects bytes once per hash, and not over the collect limit', async () => {
    const { h, ops } = hasher({ collect: true, collectMaxBytes: 8 });
    h.see(ev(100), identity(100));
    h.see(ev(200), identity(200));
    await h.drain();
    await h.close();
    const blobs = ops.filter((o) => o.sql.includes('binary_blobs'));
    expect(blobs.map((o) => [o.p![0], Buffer.from(o.p![2] as Uint8Array).toString()])).toEqual([[sha('alpha'), 'alpha']]);
    expect(ops.filter((o) => o.sql.includes('INSERT INTO binaries')).map((o) => o.p![12])).toEqual(['stored', 'too_big']);
  });

  it('keys identities by dev, inode, size and mtime', () => {
    const a = identity(100);
    expect(identityKey(a)).toBe(identityKey({ ...a, pid: 7, path: '/elsewhere' }));
    expect(identityKey(a)).not.toBe(identityKey({ ...a, mtimeNsec: a.mtimeNsec + 1 }));
  });
});
