import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { FieldValue, TraceEvent } from '../../src/event/index.js';
import { formatPs, resolvePsTime } from '../../src/commands/ps-command.js';
import { livePsCommand, replayPsCommand } from '../../src/commands/shell/replay-commands.js';
import { CaptureReader, Recorder, processTableAt } from '../../src/store/index.js';
import type { ReplayControl } from '../../src/session/index.js';
import type { ShellContext } from '../../src/commands/shell/types.js';
import { PAYLOAD, RAW, hostileCopy } from '../security/hostile-capture.js';
import { tempDir } from '../store/helpers.js';

const mono = () => Number(process.hrtime.bigint());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MS = 1e6;

function ev(ts: number, pid: number, comm: string, probe: string, kind: number, fields: Record<string, FieldValue>): TraceEvent {
  return { ts, kind, pid, tid: pid, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 4026531836, nspid: pid, comm, probe, fields };
}
const life = (start: number, ppid: number, pstart: number) => ({ start_ticks: start, parent_pid: ppid, parent_start_ticks: pstart, truncated: 0 });
const fork = (ts: number, pid: number, comm: string, start: number, ppid: number, pstart: number) =>
  ev(ts, pid, comm, 'procsnoop', 0, { event: 'fork', ret: 0, exit_code: null, exe: null, argv: null, ...life(start, ppid, pstart) });
const procExec = (ts: number, pid: number, comm: string, start: number, ppid: number, pstart: number, exe: string, argv: string[]) =>
  ev(ts, pid, comm, 'procsnoop', 1, { event: 'exec', ret: 0, exit_code: null, exe, argv, ...life(start, ppid, pstart) });
const exit = (ts: number, pid: number, comm: string, start: number, ppid: number, pstart: number) =>
  ev(ts, pid, comm, 'procsnoop', 2, { event: 'exit', ret: 0, exit_code: 0, exe: null, argv: null, ...life(start, ppid, pstart) });
const execsnoop = (ts: number, pid: number, comm: string, exe: string, argv: string[], ret = 0) =>
  ev(ts, pid, comm, 'execsnoop', ret ? 1 : 0, { ret, filename: exe, exe: ret ? '' : exe, argv, argc: argv.length, args_size: 10, truncated: 0 });
const connect = (ts: number, pid: number, comm: string, daddr: string, dport: number, ret = 0) =>
  ev(ts, pid, comm, 'tcpconnect', 0, { ret, ipver: 4, saddr: '10.0.0.2', sport: 40000, daddr, dport, latency_us: 100 });
const accept = (ts: number, pid: number, comm: string, raddr: string) =>
  ev(ts, pid, comm, 'accept', 2, { ret: 5, fd: 3, flags: 0, syscall: 'accept', family: 'ipv4', type: 'stream', protocol: 'tcp', laddr: '0.0.0.0', lport: 8080, raddr, rport: 51000 });

/**
 * A synthetic capture through the real Recorder: bash (7000) forked and
 * exec'd; a child sleep (7001) that connects and exits; a child (7002) that
 * runs sh, then execs python3 with hostile arguments, and exits; bash
 * accepts a connection and is still running at the end.
 */
async function workloadCapture(dir: string): Promise<{ path: string; t0: number }> {
  const path = join(dir, 'ps.db');
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', reserveBytes: 0, commandLine: ['ebpfsh', 'record'] });
  await rec.whenReady();
  const t0 = mono() + 5 * MS;
  const t = (ms: number) => t0 + ms * MS;
  rec.record([
    fork(t(1), 7000, 'sshd', 500, 1, 1),
    procExec(t(2), 7000, 'bash', 500, 1, 1, '/usr/bin/bash', ['bash', '-c', 'work']),
    execsnoop(t(2.01), 7000, 'bash', '/usr/bin/bash', ['bash', '-c', 'work']),
    fork(t(10), 7001, 'bash', 510, 7000, 500),
    execsnoop(t(11.9), 7001, 'bash', '/usr/local/bin/sleep', ['sleep', '1'], -2), // PATH search: failed first
    procExec(t(12), 7001, 'sleep', 510, 7000, 500, '/usr/bin/sleep', ['sleep']), // the short argv of the process-table probe
    execsnoop(t(12.01), 7001, 'sleep', '/usr/bin/sleep', ['sleep', '1']),
    connect(t(19), 7001, 'sleep', '10.0.0.1', 444, -111),
    connect(t(20), 7001, 'sleep', '10.0.0.1', 443),
    exit(t(35), 7001, 'sleep', 510, 7000, 500),
    fork(t(40), 7002, 'bash', 520, 7000, 500),
    procExec(t(41), 7002, 'sh', 520, 7000, 500, '/bin/sh', ['sh', 'two words']),
    accept(t(45), 7000, 'bash', '192.0.2.9'),
    procExec(t(50), 7002, 'python3', 520, 7000, 500, `/tmp/${PAYLOAD}`, ['python3', PAYLOAD]),
    exit(t(60), 7002, 'python3', 520, 7000, 500),
  ]);
  while (mono() < t(80)) await sleep(5);
  await rec.stop('user');
  return { path, t0 };
}

describe('the process table at an instant of a capture', () => {
  let dir: ReturnType<typeof tempDir>;
  let r: CaptureReader;
  let at: (ms: number) => number;
  let path = '';
  const pids = (ms: number) => processTableAt(r, at(ms)).processes.map((p) => p.row.pid);
  const proc = (ms: number, pid: number) => processTableAt(r, at(ms)).processes.find((p) => p.row.pid === pid)!;

  beforeAll(async () => {
    dir = tempDir('ebpfsh-ps-');
    const c = await workloadCapture(dir.dir);
    at = (ms) => c.t0 + ms * MS;
    path = c.path;
    r = CaptureReader.open(c.path);
  });
  afterAll(() => {
    r?.close();
    dir?.cleanup();
  });

  it('lists exactly the processes alive at the instant', () => {
    expect(pids(0.5)).toEqual([]);
    expect(pids(5)).toEqual([7000]);
    expect(pids(15)).toEqual([7000, 7001]);
    expect(pids(37)).toEqual([7000]);
    expect(pids(45)).toEqual([7000, 7002]);
    expect(pids(70)).toEqual([7000]);
  });

  it('shows the argv in force: the last successful exec, with the full argv of the probe that has it', () => {
    expect(proc(15, 7001).image).toMatchObject({ from: 'exec', exe: '/usr/bin/sleep', argv: ['sleep', '1'], comm: 'sleep' });
    expect(proc(45, 7002).image).toMatchObject({ from: 'exec', exe: '/bin/sh', argv: ['sh', 'two words'], comm: 'sh' });
    expect(proc(55, 7002).image).toMatchObject({ from: 'exec', argv: ['python3', PAYLOAD] });
  });

  it("shows a child not yet exec'd with its parent's image, and an image before an unseen start as unknown", () => {
    expect(proc(40.5, 7002).image).toMatchObject({ from: 'parent', exe: '/usr/bin/bash', argv: ['bash', '-c', 'work'] });
    // 7000 exec'd at 2 ms; before that it ran what its parent (pid 1, not in the capture) ran.
    expect(proc(1.5, 7000).image).toMatchObject({ from: 'unknown', argv: null });
  });

  it('shows established connections made before the instant by a live process, not failed ones', () => {
    expect(proc(15, 7001).connections).toEqual([]);
    const c = proc(25, 7001).connections;
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ direction: 'out', parts: ['tcp ', { data: '10.0.0.1' }, ':443'] });
    expect(proc(50, 7000).connections[0]).toMatchObject({ direction: 'in' });
    expect(proc(44, 7000).connections).toEqual([]);
  });

  it('formats a table, a tree and JSON, everything from the capture escaped', () => {
    const table = formatPs(r, at(55));
    expect(table).toMatch(/^.*ps\.db at \d\d:\d\d:\d\d\.\d{3} \(.*into the capture; times in [^)]+\): 2 processes alive\n\s+PID\s+PPID\s+UID\s+RAN/);
    expect(table).toMatch(/7000\s+1\s+1000\s+.*running at end\s+bash\s+\/usr\/bin\/bash {2}bash -c work/);
    expect(table).toMatch(/<- tcp 0\.0\.0\.0:8080 <- 192\.0\.2\.9:51000 since/);
    expect(table).toMatch(/7002\s+7000 .*exited \d\d:\d\d:\d\d\.\d{3}\s+python3/);
    expect(table).not.toMatch(RAW);
    expect(table).toContain('\\e[2J\\e]0;owned\\x07');
    expect(table).toMatch(/7002\s+7000\s+1000\s+15 ms/);
    const tree = formatPs(r, at(25), { tree: true });
    expect(tree.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(/^ {2}7000 bash uid 1000 \/usr\/bin\/bash bash -c work \(ran .*, running at end\)$/),
      expect.stringMatching(/^ {2}├ 7001 sleep uid 1000 \/usr\/bin\/sleep sleep 1 \(ran .*, exited /),
      expect.stringMatching(/^ {2}│ {3}-> tcp 10\.0\.0\.1:443 since /),
    ]);
    const json = JSON.parse(formatPs(r, at(55), { json: true }));
    expect(json.alive).toBe(2);
    expect(json.processes[1]).toMatchObject({ pid: 7002, ppid: 7000, argv: ['python3', PAYLOAD], image: 'exec', exitCode: 0 });
    expect(formatPs(r, at(55), { json: true })).not.toMatch(RAW);
  });

  it('resolves --at in the forms replay :goto takes, and refuses anything else naming them', () => {
    const info = r.info();
    expect(resolvePsTime(r, ['start'])).toBe(info.startNs);
    expect(resolvePsTime(r, ['end'])).toBe(info.endNs);
    expect(resolvePsTime(r, ['+10ms'])).toBe(info.startNs + 10 * MS);
    const iso = new Date(Math.floor((at(15) + info.clockOffsetNs) / 1e6)).toISOString();
    expect(Math.abs(resolvePsTime(r, [iso]) - at(15))).toBeLessThan(MS);
    expect(() => resolvePsTime(r, ['yesterday'])).toThrow(/^'yesterday' is not a time of the capture \(use 14:03:15, 14:03:15\.250 .*ISO|2026-12-06T14:03:15Z.*\+30s.*end\)$/);
    expect(() => resolvePsTime(r, ['1999-01-01T00:00:00Z'])).toThrow(/is outside the capture/);
  });

  it(':ps in replay pages the table at the replay clock or a given time; the live shell says where it works', async () => {
    const replay = { reader: r, now: () => at(15), span: () => ({ startNs: r.info().startNs, endNs: r.info().endNs!, offsetNs: r.info().clockOffsetNs }), notes: () => [] } as unknown as ReplayControl;
    const ctx = { replay } as unknown as ShellContext;
    const out = await replayPsCommand.run(ctx, []);
    expect(out).toMatchObject({ kind: 'page', title: expect.stringMatching(/^ps at /) });
    const lines = (out as { lines: string[] }).lines.join('\n');
    expect(lines).toContain('sleep 1');
    const later = (await replayPsCommand.run(ctx, ['+30ms', '--tree'])) as { lines: string[] };
    expect(later.lines.join('\n')).toMatch(/├ 7002 sh uid 1000 \/bin\/sh sh 'two words'/);
    expect(() => replayPsCommand.run(ctx, ['--json'])).toThrow(/not an option of ps/);
    expect(() => livePsCommand.run({} as ShellContext, [])).toThrow(/ebpfsh replay FILE, or run ebpfsh ps FILE --at TIME/);
  });

  it('shows a start the capture does not know as ?, a hostile row escaped, and exits as maybe missing after process-table losses', () => {
    const bad = hostileCopy(path, 'hostile.db', (db) => {
      const boot = db.prepare('SELECT boot_id FROM capture').pluck().get();
      db.prepare("INSERT INTO processes (boot_id, pid, start_ticks, uid, comm, exe, argv, source) VALUES (?, 7100, 900, 0, ?, ?, ?, 'exec')").run(boot, PAYLOAD, PAYLOAD, JSON.stringify([PAYLOAD]));
      db.prepare("INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES ('procsnoop', 'ringbuf_full', ?, ?, 3)").run(at(1), at(2));
    });
    const h = CaptureReader.open(bad);
    try {
      const text = formatPs(h, at(15));
      const line = text.split('\n').find((l) => /^\s+7100 /.test(l))!;
      expect(line).toMatch(/^\s+7100\s+\?\s+0\s+\?\s+exit not seen\s+\\e\[2J/);
      expect(text).toMatch(/7000 .*exit not seen/);
      expect(text).not.toMatch(RAW);
      expect(formatPs(h, at(15), { tree: true })).not.toMatch(RAW);
      expect(formatPs(h, at(15), { json: true })).not.toMatch(RAW);
    } finally {
      h.close();
    }
  });
});
