import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run } from '../helpers/kernel.js';
import { BIN, OTHER_BIN, UID_1000_LABEL, listener, recordWhile } from '../helpers/recording.js';
import { sha256 } from '../store/helpers.js';


function ebpfsh(args: string[], uid?: number) {
  const argv = uid !== undefined ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', OTHER_BIN, ...args] : [BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeKernel('info, query, tree and export on a real recording, as an ordinary user', () => {
  let dir: string;
  let cap: string;
  let copy: string;
  let server: Server;
  let shellPid = 0;
  const tag = `w${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-capcmd-'));
    chmodSync(dir, 0o755);
    cap = join(dir, 'incident.db');
    server = await listener();
    const port = (server.address() as { port: number }).port;
    await recordWhile(cap, ['execsnoop,opensnoop,tcpconnect', 'uid=1000'], async () => {
      const script = `cat /etc/hostname >/dev/null; cat /nonexistent-${tag} 2>/dev/null; /bin/true ${tag} 'two words'; /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port})).close()"`;
      shellPid = (await run('sh', ['-c', script], { uid: 1000 })).pid;
    });
    copy = join(dir, 'copy.db');
    copyFileSync(cap, copy);
    chownSync(copy, 1000, 1000);
    writeFileSync(join(dir, 'notsqlite.db'), 'hello, I am not a capture\n');
    chmodSync(join(dir, 'notsqlite.db'), 0o644);
  }, 60_000);
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('info says what was watched, when, with which filters, and that nothing was lost', () => {
    const before = sha256(copy);
    const r = ebpfsh(['info', copy], 1000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^capture\s+.*copy\.db \(schema \d+/);
    expect(r.stdout).toMatch(/attach execsnoop uid=1000 \[kernel\] via raw_tp\/sched_process_exec/);
    expect(r.stdout).toMatch(/detach opensnoop/);
    expect(r.stdout).toMatch(/stopped\s+cleanly/);
    expect(r.stdout).toMatch(/losses\s+none/);
    expect(sha256(copy)).toBe(before);
  });

  it('query answers SQL in every output mode', () => {
    const sql = `SELECT comm, filename, argv FROM exec WHERE filename = '/bin/true' AND argv LIKE '%${tag}%'`;
    const table = ebpfsh(['query', copy, sql], 1000);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^comm\s+filename\s+argv\n-+/);
    expect(table.stdout).toContain(`["/bin/true","${tag}","two words"]`);
    const nd = JSON.parse(ebpfsh(['query', copy, sql, '--format', 'ndjson'], 1000).stdout);
    expect(nd).toMatchObject({ comm: 'true', filename: '/bin/true' });
    expect(nd.argv).toEqual(['/bin/true', tag, 'two words']);
    expect(JSON.parse(ebpfsh(['query', copy, sql, '-f', 'json'], 1000).stdout)).toHaveLength(1);
    expect(ebpfsh(['query', copy, 'SELECT count(*) AS n FROM connect WHERE ret = 0', '-f', 'csv'], 1000).stdout).toBe('n\r\n1\r\n');
  });

  it('query refuses writes, ATTACH and bad SQL with one clear line', () => {
    for (const [sql, msg] of [
      ['DELETE FROM exec', /read-only|only one read-only statement/],
      [`ATTACH DATABASE '${copy}' AS x`, /only one read-only statement/],
      ['SELECT nope FROM exec', /query failed: no such column: nope/],
      ['SELECT 1; SELECT 2', /one statement at a time/],
    ] as const) {
      const r = ebpfsh(['query', copy, sql], 1000);
      expect(r.code, sql).toBe(1);
      expect(r.stderr.trim().split('\n'), sql).toHaveLength(1);
      expect(r.stderr, sql).toMatch(msg);
    }
  });

  it('refuses missing and non-SQLite files with one clear line', () => {
    const missing = ebpfsh(['info', join(dir, 'nope.db')], 1000);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ebpfsh: nope\.db: no such file\n$/);
    const junk = ebpfsh(['query', join(dir, 'notsqlite.db'), 'SELECT 1'], 1000);
    expect(junk.stderr).toMatch(/^ebpfsh: notsqlite\.db is not an ebpfsh capture/);
  });

  it('queries several captures as one, with a host column and aligned wall times, leaving them unchanged', () => {
    const second = join(dir, 'second.db');
    copyFileSync(copy, second);
    chownSync(second, 1000, 1000);
    const before = [sha256(copy), sha256(second)];
    const r = ebpfsh(['query', copy, second, 'SELECT host, count(*) AS n, min(wall_ns) AS first FROM exec GROUP BY host ORDER BY host', '-f', 'ndjson'], 1000);
    expect(r.stderr).toBe('');
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.host)).toEqual([expect.stringMatching(/\(copy\.db\)$/), expect.stringMatching(/\(second\.db\)$/)]);
    expect(rows[0].n).toBe(rows[1].n);
    expect(rows[0].first).toBe(rows[1].first);
    expect(Math.abs(rows[0].first / 1e6 - Date.now())).toBeLessThan(10 * 60_000); // wall clock, not monotonic
    expect([sha256(copy), sha256(second)]).toEqual(before);
  });

  it('has ready-made views: lineage, connections and files per process', () => {
    const q = (sql: string) => JSON.parse(ebpfsh(['query', copy, sql, '-f', 'json'], 1000).stdout) as Record<string, unknown>[];
    const lineage = q(`SELECT depth, ancestor_comm FROM lineage WHERE pid = ${shellPid} ORDER BY depth`);
    expect(lineage[0]).toEqual({ depth: 0, ancestor_comm: 'sh' });
    expect(lineage.length).toBeGreaterThan(2); // the parent chain reaches the processes running before recording
    expect(q("SELECT connects, established, failed FROM connections_per_process WHERE comm = 'python3'")).toEqual([{ connects: 1, established: 1, failed: 0 }]);
    const files = q(`SELECT opens, failed FROM files_per_process WHERE pid = ${shellPid}`);
    expect(files.length).toBeGreaterThan(0);
  });

  it('tree shows the workload shell with its children and what they did', () => {
    const r = ebpfsh(['tree', copy, '--pid', String(shellPid)], 1000);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\(times in [^)]+\)\nancestors:/);
    expect(r.stdout).toContain(`${shellPid} sh uid ${UID_1000_LABEL}`);
    expect(r.stdout).toMatch(new RegExp(`exec .* 0 /bin/true /bin/true ${tag} two words`));
    expect(r.stdout).toMatch(new RegExp(`open .* ENOENT O_RDONLY /nonexistent-${tag}`));
    expect(r.stdout).toMatch(/connect .* 127\.0\.0\.1:\d+ ok/);
  });

  it('export streams filtered events as NDJSON and CSV', () => {
    const nd = ebpfsh(['export', copy, '--probe', 'open', `path=/nonexistent-${tag}`], 1000);
    const lines = nd.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ probe: 'opensnoop', comm: 'cat', ret: -2, path: `/nonexistent-${tag}` });
    const csv = ebpfsh(['export', copy, '--probe', 'connect', '-f', 'csv'], 1000).stdout.split('\r\n');
    expect(csv[0]).toBe('time,ts_ns,probe,pid,tid,ppid,uid,gid,comm,cgroup,pidns,nspid,ret,ipver,saddr,sport,daddr,dport,latency_us');
    expect(csv[1]).toMatch(/,tcpconnect,.*,python3,.*,0,4,127\.0\.0\.1,\d+,127\.0\.0\.1,\d+,\d+$/);
    // path applies to the probes that have it; the capture's connects pass it (one rule everywhere)
    const mixed = ebpfsh(['export', copy, `path=/nonexistent-${tag}`], 1000).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(mixed.filter((e) => e.probe === 'opensnoop')).toHaveLength(1);
    expect(mixed.some((e) => e.probe === 'tcpconnect')).toBe(true);
    const bad = ebpfsh(['export', copy, 'pth=/etc/'], 1000);
    expect(bad.stderr).toMatch(/unknown filter key 'pth': did you mean path\?/);
  });
});
