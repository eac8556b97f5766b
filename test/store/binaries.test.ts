import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { parseFilters } from '../../src/event/index.js';
import { findProbe } from '../../src/probes/index.js';
import { CaptureReader, Recorder, type RecorderStats } from '../../src/store/index.js';
import type { BinaryHashOptions } from '../../src/store/writer/binary-hasher.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { runExportBinary } from '../../src/commands/export-command.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A C program that unlinks its own file right after exec, then lives a moment (so the test can tell it was read while it lived). */
const SELF_DELETING = `#include <unistd.h>
int main(int argc, char **argv) { (void)argc; unlink(argv[0]); usleep(500000); return 0; }
`;

/** Records execsnoop (uid 1000, files under `under`: other tests run too) while `workload` runs; returns the stop figures. */
async function recordExecs(path: string, under: string, binaries: BinaryHashOptions, execs: number, workload: () => Promise<void>): Promise<RecorderStats> {
  const engine = new Engine();
  try {
    const rec = Recorder.create(path, engine, { toolVersion: 'test', commandLine: ['test'], binaries });
    await rec.whenReady();
    const exec = findProbe('execsnoop')!;
    // Every exec of the workload seen (they arrive on the reader's timer, after run() returns), then the recorder idle.
    let seen = 0;
    engine.onEvents((evs) => (seen += evs.filter((e) => e.probe === 'execsnoop' && String(e.fields.filename).startsWith(`${under}/`)).length));
    rec.journalAttach(engine.attach(exec, parseFilters(['uid=1000', `path=${under}/`], [exec])));
    await workload();
    await waitFor(() => seen >= execs && rec.stats().queued === 0, 10_000, `${execs} exec events`);
    const res = await rec.stop('test done');
    expect(res.error).toBeUndefined();
    return rec.stats();
  } finally {
    engine.close();
  }
}

describeKernel('executed binaries: identity, hash, marks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-bin-'));
  const path = join(dir, 'bins.db');
  const renamed = join(dir, 'renamed-true');
  const groupWritable = join(dir, 'gw-true');
  const selfDeleting = join(dir, 'vanish');
  const ovl = { lower: join(dir, 'lower'), upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') };
  let vanishHash = '';
  let mounted = false;
  let stats: RecorderStats;

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    copyFileSync('/bin/true', renamed);
    chmodSync(renamed, 0o755);
    copyFileSync('/bin/true', groupWritable);
    chmodSync(groupWritable, 0o775);
    writeFileSync(join(dir, 'vanish.c'), SELF_DELETING);
    execFileSync('gcc', ['-O2', '-o', selfDeleting, join(dir, 'vanish.c')]);
    chmodSync(selfDeleting, 0o755);
    vanishHash = sha256(selfDeleting);
    for (const d of Object.values(ovl)) mkdirSync(d, { mode: 0o755 });
    copyFileSync('/bin/true', join(ovl.lower, 'lower-true'));
    chmodSync(join(ovl.lower, 'lower-true'), 0o755);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${ovl.lower},upperdir=${ovl.upper},workdir=${ovl.work}`, ovl.merged]);
    mounted = true;
    chmodSync(ovl.merged, 0o755);
    // Written through the mount: it lives in the upper layer, as a binary dropped into a container does.
    copyFileSync('/bin/true', join(ovl.merged, 'dropped-true'));
    chmodSync(join(ovl.merged, 'dropped-true'), 0o755);
    stats = await recordExecs(path, dir, { collect: true }, 5, async () => {
      // The child sleeps while the test waits: its exe must have been read before it exits.
      const vanish = run(selfDeleting, [], { uid: 1000 });
      await run(renamed, [], { uid: 1000 });
      await run(groupWritable, [], { uid: 1000 });
      await run(join(ovl.merged, 'dropped-true'), [], { uid: 1000 });
      await run(join(ovl.merged, 'lower-true'), [], { uid: 1000 });
      await vanish;
    });
  }, 30_000);
  afterAll(() => {
    if (mounted) spawnSync('umount', [ovl.merged]);
    rmSync(dir, { recursive: true, force: true });
  });

  const execsOf = async (exe: string) => {
    const r = CaptureReader.open(path);
    try {
      const q = await r.query('SELECT sha256, binary_outcome, exe_upper, exe_writable, exe_size, exe_uid, exe_mode, fileless FROM exec_binaries WHERE exe = ?', { params: [exe] });
      return q.rows.map(([sha, outcome, upper, writable, size, uid, mode, fileless]) => ({ sha, outcome, upper, writable, size, uid, mode, fileless }));
    } finally {
      r.close();
    }
  };

  it('hashes a copy of /bin/true under a new name the same as /bin/true', async () => {
    const rows = await execsOf(renamed);
    expect(rows).toEqual([{ sha: sha256('/bin/true'), outcome: 'hashed', upper: 0, writable: 0, size: readFileSync('/bin/true').length, uid: 0, mode: 0o100755, fileless: null }]);
  });

  it('hashes a binary that deletes itself right after exec, read through /proc/PID/exe while it lived', async () => {
    const rows = await execsOf(`${selfDeleting} (deleted)`).then((r) => (r.length ? r : execsOf(selfDeleting)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sha: vanishHash, outcome: 'hashed' });
  });

  it('flags a file writable by someone other than its owner', async () => {
    expect(await execsOf(groupWritable)).toEqual([expect.objectContaining({ writable: 1, mode: 0o100775, sha: sha256('/bin/true') })]);
  });

  it('flags a file in an overlayfs upper layer, and not one from the lower layer', async () => {
    expect(await execsOf(join(ovl.merged, 'dropped-true'))).toEqual([expect.objectContaining({ upper: 1, writable: 0, sha: sha256('/bin/true') })]);
    expect(await execsOf(join(ovl.merged, 'lower-true'))).toEqual([expect.objectContaining({ upper: 0, sha: sha256('/bin/true') })]);
  });

  it('stores each collected file once per hash, bytes exact', async () => {
    const r = CaptureReader.open(path);
    try {
      const q = await r.query('SELECT sha256, size, bytes FROM binary_blobs ORDER BY sha256');
      const byHash = new Map(q.rows.map(([h, size, bytes]) => [h as string, { size, bytes: Buffer.from(bytes as Uint8Array) }]));
      expect(byHash.get(sha256('/bin/true'))!.bytes.equals(readFileSync('/bin/true'))).toBe(true);
      expect(byHash.has(vanishHash)).toBe(true);
      expect(q.rows.length).toBe(2);
    } finally {
      r.close();
    }
    expect(stats.binaries!.collected).toBe(2);
  });

  it('export --binary writes a collected file back out, verified, and never overwrites', async () => {
    const out = join(dir, 'exported-true');
    expect(await runExportBinary(path, sha256('/bin/true').toUpperCase(), out)).toBe(readFileSync('/bin/true').length);
    expect(readFileSync(out).equals(readFileSync('/bin/true'))).toBe(true);
    await expect(runExportBinary(path, sha256('/bin/true'), out)).rejects.toThrow(/exists: choose another file name/);
    await expect(runExportBinary(path, 'f'.repeat(64), join(dir, 'x'))).rejects.toThrow(/has no binary with sha256 f{64}/);
    await expect(runExportBinary(path, 'nothex', join(dir, 'x'))).rejects.toThrow(/64 hex digits/);
    // A capture is hostile input: bytes that do not match their hash are refused, nothing written.
    const altered = join(dir, 'altered.db');
    copyFileSync(path, altered);
    const db = new Database(altered);
    db.prepare('UPDATE binary_blobs SET bytes = ? WHERE sha256 = ?').run(Buffer.from('evil'), sha256('/bin/true'));
    db.close();
    await expect(runExportBinary(altered, sha256('/bin/true'), join(dir, 'y'))).rejects.toThrow(/do not have that hash/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
  });

  it('skips a file over the size limit, counts it and says why', async () => {
    const small = join(dir, 'small.db');
    const s = await recordExecs(small, dir, { maxBytes: 1000 }, 2, async () => {
      await run(renamed, [], { uid: 1000 });
      await run(renamed, [], { uid: 1000 });
    });
    expect(s.binaries!.skipped.too_big).toBe(1);
    expect(s.binaries!.cached).toBe(1);
    const r = CaptureReader.open(small);
    try {
      const q = await r.query('SELECT sha256, outcome, detail FROM binaries WHERE path = ?', { params: [renamed] });
      expect(q.rows).toEqual([[null, 'too_big', expect.stringContaining('over the 1000-byte limit')]]);
    } finally {
      r.close();
    }
  }, 30_000);
});
