import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CaptureReader } from '../../src/store/index.js';
import { describeKernel, run } from '../helpers/kernel.js';
import { BIN, recordWhile } from '../helpers/recording.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/intrusion.py', import.meta.url));

/** What test/fixtures/intrusion.py says it did. */
interface Did {
  pid: number;
  uid: number;
  dropped: string;
  renamed: [string, string];
  deleted: string;
  setuid_child?: number;
  traced: number;
  fileless: number;
  port: number;
  revshell: number;
}

/**
 * The intrusion, done by one program's own system calls as root and
 * as uid 1000 while `ebpfsh record` runs with its default (forensic)
 * profile: every step is then found in the capture with SQL, and the whole
 * script under its process in `ebpfsh tree`.
 */
describeKernel('an intrusion recorded with the default profile', () => {
  let dir: string;
  let cap: string;
  let reader: CaptureReader;
  const did: Record<'root' | 'user', Did> = {} as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-intrusion-'));
    chmodSync(dir, 0o755);
    // The script and each run's workdir where uid 1000 can reach them.
    const script = join(dir, 'intrusion.py');
    copyFileSync(SCRIPT, script);
    chmodSync(script, 0o644);
    const work = { root: join(dir, 'root'), user: join(dir, 'user') };
    cap = join(dir, 'capture.db');
    await recordWhile(cap, [], async () => {
      for (const who of ['root', 'user'] as const) {
        const w = mkdtempSync(work[who] + '-');
        chmodSync(w, 0o777);
        const r = await run('/usr/bin/python3', [script, w], who === 'user' ? { uid: 1000 } : {});
        expect(r.code, r.stderr).toBe(0);
        did[who] = JSON.parse(r.stdout) as Did;
      }
    });
    reader = CaptureReader.open(cap);
  }, 120_000);
  afterAll(() => {
    reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (sql: string, ...params: unknown[]) => (await reader.query(sql, { params })).rows as unknown[][];

  it('attached the forensic profile by itself and lost nothing', async () => {
    const attached = reader.journal().filter((j) => j.action === 'attach').map((j) => j.probe);
    expect(attached).toEqual(expect.arrayContaining(['execsnoop', 'tcpconnect', 'chmod', 'rename', 'unlink', 'setuid', 'ptrace', 'memfd', 'listen', 'dup']));
    expect(attached).not.toContain('opensnoop');
    expect(await rows("SELECT probe, cause, sum(count) FROM losses WHERE cause IN ('ringbuf_full', 'pending_full') GROUP BY 1, 2 HAVING sum(count) > 0")).toEqual([]);
  });

  for (const who of ['root', 'user'] as const) {
    const uid = who === 'root' ? 0 : 1000;

    it(`${who}: the dropped binary made setuid`, async () => {
      const d = did[who];
      const r = await rows('SELECT ret, mode & 4095, special, uid FROM chmod WHERE pid = ? AND path = ?', d.pid, d.dropped);
      expect(r).toEqual([[0, 0o4755, expect.stringContaining('setuid'), uid]]);
    });

    it(`${who}: a file renamed over another`, async () => {
      const d = did[who];
      expect(await rows('SELECT ret FROM rename WHERE pid = ? AND old_path = ? AND new_path = ?', d.pid, ...d.renamed)).toEqual([[0]]);
    });

    it(`${who}: the history file deleted through a directory fd, seen by its absolute path`, async () => {
      const d = did[who];
      expect(await rows('SELECT ret, raw_path FROM unlink WHERE pid = ? AND path = ?', d.pid, d.deleted)).toEqual([[0, '.bash_history']]);
    });

    it(`${who}: the uid change`, async () => {
      const d = did[who];
      if (who === 'root') {
        const r = await rows('SELECT ret, old_eff, new_eff, new_real, new_saved FROM setuid WHERE pid = ? AND syscall = ?', d.setuid_child, 'setresuid');
        expect(r).toEqual([[0, 0, 1000, 1000, 1000]]);
      } else {
        // an ordinary user trying to become root is refused, and seen
        expect(await rows('SELECT ret, old_eff, new_eff FROM setuid WHERE pid = ? AND syscall = ?', d.pid, 'setuid')).toEqual([[-1, 1000, 1000]]);
      }
    });

    it(`${who}: the child it ptraced, by name`, async () => {
      const d = did[who];
      const r = await rows('SELECT ret, request_name, target_comm FROM ptrace WHERE pid = ? AND target = ? ORDER BY ts', d.pid, d.traced);
      expect(r[0]).toEqual([0, 'PTRACE_ATTACH', 'python3']);
    });

    it(`${who}: a memfd created and executed from memory`, async () => {
      const d = did[who];
      expect(await rows('SELECT ret >= 0, name FROM memfd WHERE pid = ?', d.pid)).toEqual([[1, 'kworker-payload']]);
      const exec = await rows('SELECT ret, fileless, argv FROM exec WHERE pid = ?', d.fileless);
      expect(exec).toEqual([[0, 'memfd', '["kworker-payload"]']]);
    });

    it(`${who}: the listener and the shell that put a socket on its stdin and stdout`, async () => {
      const d = did[who];
      expect(await rows('SELECT ret, laddr FROM listen WHERE pid = ? AND lport = ?', d.pid, d.port)).toEqual([[0, '127.0.0.1']]);
      const dups = await rows('SELECT newfd, raddr, rport FROM dup WHERE pid = ? ORDER BY newfd', d.revshell);
      expect(dups).toEqual([
        [0, '127.0.0.1', d.port],
        [1, '127.0.0.1', d.port],
      ]);
    });

    it(`${who}: ebpfsh tree shows the whole script under its process`, () => {
      const d = did[who];
      const r = spawnSync(BIN, ['tree', cap, '--pid', String(d.pid)], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const t = r.stdout;
      for (const step of [d.dropped, d.renamed[1], d.deleted, 'kworker-payload', `:${d.port}`]) expect(t, step).toContain(step);
      for (const kind of ['chmod', 'rename', 'unlink', 'ptrace', 'memfd', 'listen', 'dup']) expect(t, kind).toMatch(new RegExp(`\\b${kind}\\b`));
      for (const child of [d.traced, d.fileless, d.revshell]) expect(t, `child ${child}`).toMatch(new RegExp(`├ ${child} `));
    });
  }
});
