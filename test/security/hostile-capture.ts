import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../../src/store/index.js';
import { BIN } from '../helpers/recording.js';
import { execEvent, openEvent } from '../store/helpers.js';

/** Bytes a hostile capture plants: ESC/CSI (clear screen), OSC (set title) with BEL, C1 CSI, a zero-width joiner, a bidi override. */
export const PAYLOAD = '\x1b[2J\x1b]0;owned\x07\u009b31m/etc/pass\u200dwd\u202etxt.exe';

/**
 * A raw terminal control or invisible character: C0 other than newline, DEL,
 * C1, Unicode format characters (bidi, zero-width, tags) and separators.
 */
// eslint-disable-next-line no-control-regex
export const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

/** A tcpconnect event (the store's synthetic events lack one). */
function connectEvent(i: number) {
  return { ...openEvent(i), probe: 'tcpconnect', comm: 'curl', fields: { ret: 0, ipver: 4, saddr: '127.0.0.1', sport: 0, daddr: '127.0.0.1', dport: 443, latency_us: 100 } };
}

/**
 * Records a normal capture with the real store (the writer thread, the real
 * schema, a clean stop): opens, execs and connects of pid 1000, plus a
 * process table row for pid 1000, its parent 1 and a child 1001.
 */
export async function normalCapture(dir: string, name = 'normal.db'): Promise<string> {
  const path = join(dir, name);
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', reserveBytes: 0, commandLine: ['ebpfsh', 'record'] });
  await rec.whenReady();
  rec.record([
    ...Array.from({ length: 5 }, (_, i) => openEvent(i * 50)),
    execEvent(300, ['/bin/true', 'x'], { pid: 1000 }),
    connectEvent(350),
  ] as never);
  await rec.stop();
  const db = new Database(path);
  const boot = db.prepare('SELECT boot_id FROM capture').pluck().get();
  const add = db.prepare("INSERT OR IGNORE INTO processes (boot_id, pid, start_ticks, parent_pid, parent_start_ticks, uid, comm, source) VALUES (?, ?, ?, ?, ?, 1000, ?, 'exec')");
  add.run(boot, 1, 1, null, null, 'init');
  add.run(boot, 1000, 100, 1, 1, 'bench');
  add.run(boot, 1001, 200, 1000, 100, 'child');
  db.close();
  return path;
}

/** A copy of `base` named `name`, edited by `edit` through a writable connection (as an attacker would). */
export function hostileCopy(base: string, name: string, edit: (db: Database.Database) => void): string {
  const path = join(base, '..', name);
  copyFileSync(base, path);
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
  return path;
}

/** The readers' warning that a capture's integrity chain is broken: every capture here was edited after recording, so readers rightly say so. */
const CHAIN_WARNING = /^ebpfsh: WARNING: .* may have been changed since it was recorded \(integrity chain: [^\n]*\n/gm;

/**
 * Runs the real CLI (bin/ebpfsh, which loads dist/: build with tsc first).
 * `stderr` is without the integrity-chain warning (`chainWarnings` counts
 * them; `rawStderr` has everything, escaped as printed).
 */
export function ebpfsh(args: string[], opts: { timeoutMs?: number } = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, env: { ...process.env, EBPFSH_DEBUG: '' } });
  const rawStderr = r.stderr ?? '';
  return { code: r.status, stdout: r.stdout ?? '', stderr: rawStderr.replace(CHAIN_WARNING, ''), rawStderr, chainWarnings: rawStderr.match(CHAIN_WARNING)?.length ?? 0, signal: r.signal };
}
