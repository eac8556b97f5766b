// What the live shell's process context and local-listener lookup cost on the
// ingest path (run as root on a real host; uses dist/):
//   - ProcessBook.note per event (a storm from few processes, and one new pid
//     per 50 events: each new pid reads /proc/PID/cwd and looks its cgroup up);
//   - LocalListeners.note per event that is not a connect (a Set lookup), and
//     per connect to 127.0.0.1: cold (reads /proc/net/tcp{,6} and scans every
//     /proc/PID/fd) and warm (cached for 2 s);
//   - one walk of the cgroup2 mount.
// CPU time (process.cpuUsage, user+sys), median of 5 runs: robust to a shared, noisy machine.
//
//   node bench/process-context-bench.mjs
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ProcessBook, LocalListeners } = await import(path.join(root, 'dist/session/index.js'));
const { CgroupPaths, findCgroup2Root } = await import(path.join(root, 'dist/proc/index.js'));

const cpuUs = (fn) => {
  const a = process.cpuUsage();
  fn();
  const d = process.cpuUsage(a);
  return d.user + d.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = (fn, n = 5) => median(Array.from({ length: n }, fn));

let ts = 1e12;
const ev = (pid, probe, fields) => ({ ts: (ts += 1000), kind: 0, pid, tid: pid, ppid: 1, uid: 0, gid: 0, cgroup: 1, pidns: 1, nspid: pid, comm: 'x', probe, fields });
const N = 200_000;
const open = (pid) => ev(pid, 'opensnoop', { ret: 3, path: '/etc/passwd', flags: 0 });

// Real pids so cwd reads hit /proc (the shell reads live processes).
const pids = (await import('node:fs')).readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
const storm = Array.from({ length: N }, (_, i) => open(pids[(i >> 10) % pids.length]));
const churn = Array.from({ length: N }, (_, i) => open(100_000 + Math.floor(i / 50)));
const churnLive = Array.from({ length: N }, (_, i) => open(pids[Math.floor(i / 50) % pids.length]));

const out = {};
for (const events of [storm, churn, churnLive]) new ProcessBook().note(events); // warm the JIT before timing
out.book_storm_ns_per_event = runs(() => cpuUs(() => new ProcessBook().note(storm))) * 1000 / N;
out.book_new_pid_every_50_gone_ns_per_event = runs(() => cpuUs(() => new ProcessBook().note(churn))) * 1000 / N;
out.book_new_pid_every_50_live_ns_per_event = runs(() => cpuUs(() => new ProcessBook().note(churnLive))) * 1000 / N;
out.book_without_host_lookups_ns_per_event = runs(() => cpuUs(() => new ProcessBook('/proc', 20_000, null).note(churnLive))) * 1000 / N;
out.listeners_non_socket_ns_per_event = runs(() => cpuUs(() => new LocalListeners().note(storm))) * 1000 / N;

const server = net.createServer().listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = server.address().port;
const connect = () => ev(process.pid, 'tcpconnect', { ret: 0, ipver: 4, saddr: '127.0.0.1', sport: 1, daddr: '127.0.0.1', dport: port, latency_us: 1 });
out.listener_lookup_cold_us = runs(() => cpuUs(() => new LocalListeners().note([connect()])));
const warm = new LocalListeners();
warm.note([connect()]);
out.listener_lookup_warm_ns_per_connect = runs(() => cpuUs(() => warm.note(Array.from({ length: 10_000 }, connect)))) * 1000 / 10_000;
const check = new LocalListeners();
const c = connect();
check.note([c]);
out.listener_found = JSON.stringify(check.peerOf(c)?.owners?.map((o) => o.pid)) === JSON.stringify([process.pid]);
server.close();

const cgRoot = findCgroup2Root();
out.cgroup_root = cgRoot;
out.cgroup_walk_us = cgRoot ? runs(() => cpuUs(() => new CgroupPaths(cgRoot, 0).resolve(-1))) : null;
out.processes = pids.length;
console.log(JSON.stringify(out));
