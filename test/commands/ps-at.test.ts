import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run } from '../helpers/kernel.js';
import { OTHER_BIN, UID_1000_LABEL, listener, recordWhile } from '../helpers/recording.js';
import { RAW } from '../security/hostile-capture.js';
import { sha256 } from '../store/helpers.js';

function ebpfsh(args: string[]) {
  const r = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', OTHER_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PsJson {
  alive: number;
  processes: { pid: number; ppid: number; uid: number; comm: string; exe: string; argv: string[]; image: string; ranNs: number; exitNs: number | null; connections: { direction: string; to: string }[] }[];
}

describeKernel('ebpfsh ps --at on a recorded workload, as an ordinary user', () => {
  let dir: string;
  let cap: string;
  let server: Server;
  let port = 0;
  let parent = 0;
  const tag = `ps-${process.pid}`;
  // Lifetimes read back from the capture (monotonic ns) and its clock offset.
  let kids: { pid: number; start_ns: number; exit_ns: number }[] = [];
  let offset = 0;
  let execNs = 0;
  let parentExit = 0;

  const query = <T>(sql: string): T[] => JSON.parse(ebpfsh(['query', cap, sql, '-f', 'json']).stdout) as T[];
  const iso = (ns: number) => new Date(Math.floor((ns + offset) / 1e6)).toISOString();
  const psAt = (ns: number, extra: string[] = []) => ebpfsh(['ps', cap, '--at', iso(ns), ...extra]);
  const psJson = (ns: number): PsJson => JSON.parse(psAt(ns, ['--json']).stdout) as PsJson;
  const ours = (t: PsJson) => t.processes.filter((p) => p.pid === parent || p.ppid === parent);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-ps-'));
    chmodSync(dir, 0o755);
    cap = join(dir, 'ps.db');
    server = await listener();
    port = server.port;
    // A parent that waits, runs a child that sleeps, then one that connects and execs another program (argv[0] hostile), then waits.
    const py = `import socket, os, time; s = socket.create_connection(('127.0.0.1', ${port})); time.sleep(0.5); os.execv('/bin/sleep', ['\\x1b[2Jsleep', '0.6'])`;
    const script = `sleep 0.4; /bin/sleep 0.6; /usr/bin/python3 -c "${py}"; sleep 0.4`;
    await recordWhile(cap, ['execsnoop,tcpconnect', 'uid=1000'], async () => {
      parent = (await run('sh', ['-c', script, tag], { uid: 1000 })).pid;
    });
    chownSync(cap, 1000, 1000);
    offset = query<{ o: number }>('SELECT clock_offset_ns AS o FROM capture')[0]!.o;
    kids = query(`SELECT pid, start_ns, exit_ns FROM processes WHERE parent_pid = ${parent} ORDER BY start_ns`);
    parentExit = query<{ x: number }>(`SELECT exit_ns AS x FROM processes WHERE pid = ${parent} ORDER BY start_ticks DESC LIMIT 1`)[0]!.x;
    execNs = query<{ ts: number }>(`SELECT ts FROM exec WHERE pid = ${kids[2]!.pid} AND ret = 0 ORDER BY ts DESC LIMIT 1`)[0]!.ts;
  }, 60_000);
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the capture holds the workload: four children of the parent, each with a start and an exit', () => {
    expect(kids).toHaveLength(4);
    for (const k of kids) expect(k.exit_ns).toBeGreaterThan(k.start_ns);
    expect(execNs).toBeGreaterThan(kids[2]!.start_ns);
  });

  it('before the sleeping child started: the parent and its first sleep only, with their argv', () => {
    const before = sha256(cap);
    const t = psJson(kids[1]!.start_ns - 100e6);
    const [p, first] = ours(t);
    expect(ours(t)).toHaveLength(2);
    expect(p).toMatchObject({ pid: parent, uid: 1000, comm: 'sh', argv: ['sh', '-c', expect.stringContaining('sleep 0.4; /bin/sleep 0.6'), tag] });
    expect(first).toMatchObject({ pid: kids[0]!.pid, comm: 'sleep', argv: ['sleep', '0.4'] });
    expect(p!.ranNs).toBeGreaterThan(first!.ranNs);
    expect(sha256(cap)).toBe(before);
  });

  it('while the sleeping child ran: it is listed with its argv and how long it had run', () => {
    const at = kids[1]!.start_ns + 250e6;
    const t = psJson(at);
    expect(ours(t).map((p) => p.pid)).toEqual([parent, kids[1]!.pid]);
    const child = ours(t)[1]!;
    expect(child).toMatchObject({ ppid: parent, comm: 'sleep', exe: '/usr/bin/sleep', argv: ['/bin/sleep', '0.6'], image: 'exec' });
    expect(Math.abs(child.ranNs - 250e6)).toBeLessThan(1e6); // --at has ms precision
    expect(child.exitNs).toBe(kids[1]!.exit_ns);
  });

  it('after it exited: the next child runs python3 with its connection, and after its exec the other program', () => {
    const t = psJson(kids[2]!.start_ns + 250e6);
    expect(ours(t).map((p) => p.pid)).toEqual([parent, kids[2]!.pid]);
    expect(ours(t)[1]).toMatchObject({ comm: 'python3', argv: ['/usr/bin/python3', '-c', expect.stringContaining('os.execv')] });
    expect(ours(t)[1]!.connections).toEqual([{ direction: 'out', to: `tcp 127.0.0.1:${port}`, ts: expect.any(Number), time: expect.any(String) }]);
    const after = psJson(execNs + 200e6);
    expect(ours(after)[1]).toMatchObject({ pid: kids[2]!.pid, comm: 'sleep', exe: '/usr/bin/sleep', argv: ['\x1b[2Jsleep', '0.6'] });
    // Once the parent has exited, none of the workload is left.
    expect(ours(psJson(parentExit + 50e6))).toEqual([]);
  });

  it('--tree and the table show the same instant, the hostile argv escaped', () => {
    const at = execNs + 200e6;
    const tree = psAt(at, ['--tree']);
    expect(tree.stderr).toBe('');
    expect(tree.stdout).toMatch(new RegExp(`^[ │├]*${parent} sh uid ${UID_1000_LABEL.replace(/[()]/g, "\\$&")} /usr/bin/dash sh -c .*${tag} \\(ran `, 'm'));
    expect(tree.stdout).toMatch(new RegExp(`^[ │]*├ ${kids[2]!.pid} sleep uid ${UID_1000_LABEL.replace(/[()]/g, "\\$&")} /usr/bin/sleep \\\\e\\[2Jsleep 0\\.6 \\(ran .*, exited `, 'm'));
    expect(tree.stdout).toMatch(new RegExp(`-> tcp 127\\.0\\.0\\.1:${port} since `));
    expect(tree.stdout).not.toMatch(RAW);
    const table = psAt(at);
    expect(table.stdout).toMatch(/^\s+PID\s+PPID\s+UID\s+RAN\s+LATER\s+COMM\s+EXE\s+ARGV$/m);
    expect(table.stdout).toMatch(new RegExp(`^\\s+${kids[2]!.pid}\\s+${parent}\\s+${UID_1000_LABEL.replace(/[()]/g, "\\$&")}\\s+.*sleep\\s+/usr/bin/sleep  \\\\e\\[2Jsleep 0\\.6$`, 'm'));
    expect(table.stdout).not.toMatch(RAW);
  });

  it('refuses a time that is not one with one line naming the forms', () => {
    const r = ebpfsh(['ps', cap, '--at', 'teatime']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ebpfsh: 'teatime' is not a time of the capture \(use 14:03:15, 14:03:15\.250 .*\+30s.*end\)\n$/);
    const out = ebpfsh(['ps', cap, '--at', '1999-01-01T00:00:00Z']);
    expect(out.stderr).toMatch(/^ebpfsh: 1999-01-01T00:00:00Z is outside the capture \(/);
    expect(ebpfsh(['ps', cap]).stderr).toMatch(/required option '--at <time>'/);
  });
});
