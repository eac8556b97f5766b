#!/usr/bin/env node
// `ebpfsh ship` throughput (issue 17): the verify bench's synthetic capture
// (procsnoop/execsnoop/opensnoop/tcpconnect mix made through the real
// Recorder, cached in bench/.cache/verify-N.db) shipped to a private
// clickhouse-server on 127.0.0.1 (test/fleet/clickhouse-server.ts: its own
// data directory and free ports), each run into a fresh database.
//
//   npx tsc -p tsconfig.json && npx tsx bench/ship-bench.mjs [events=1000000] [runs=3] [batch-rows]
//
// Prints the median wall time and rows/s, the shipper's CPU per row
// (process.cpuUsage: load-independent) and the server's CPU per row
// (/proc/PID/stat utime+stime). The integrity check (ebpfsh verify) that
// `ebpfsh ship` runs first is not included: bench/verify-bench.mjs measures it.
// Needs clickhouse-server (scripts/setup.sh); no root. Not a test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const BATCH = process.argv[4] ? Number(process.argv[4]) : undefined;
const CAPTURE = join(HERE, '.cache', `verify-${N}.db`);

if (!existsSync(CAPTURE)) {
  process.stderr.write(`making the ${N}-event capture with bench/verify-bench.mjs (cached)\n`);
  const r = spawnSync(process.execPath, [join(HERE, 'verify-bench.mjs'), String(N), '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(CAPTURE)) throw new Error('could not make the bench capture');
}

const { startClickHouse } = await import('../test/fleet/clickhouse-server.ts');
const { FleetConnection, ensureFleetSchema, fleetTarget, shipCapture } = await import('../dist/fleet/index.js');

/** utime+stime of a process, seconds. */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) / 100;
}
function serverPid(dir) {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(dir, 'config.xml'))) return Number(p);
    } catch {}
  }
  throw new Error('no server pid');
}

const ch = await startClickHouse();
try {
  const pid = serverPid(ch.dir);
  const runs = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const conn = new FleetConnection(fleetTarget(`${ch.url}/bench_${r}`, {}));
    await ensureFleetSchema(conn);
    const srv = cpuOf(pid);
    const cpu = process.cpuUsage();
    const t = performance.now();
    const res = await shipCapture(conn, CAPTURE, { batchRows: BATCH, verdict: 'bench' });
    const s = (performance.now() - t) / 1000;
    const c = process.cpuUsage(cpu);
    runs.push({ s, cpu: (c.user + c.system) / 1e6, server: cpuOf(pid) - srv });
    rows = res.sent;
    await conn.close();
    process.stderr.write(`run ${r + 1}: ${res.sent} rows in ${s.toFixed(1)} s\n`);
  }
  runs.sort((a, b) => a.s - b.s);
  const m = runs[Math.floor(runs.length / 2)];
  const version = spawnSync('/usr/sbin/clickhouse-server', ['--help'], { encoding: 'utf8' });
  void version;
  console.log(`ship bench: ${CAPTURE} (${(statSync(CAPTURE).size / 2 ** 20).toFixed(0)} MiB, ${N.toLocaleString('en-US')} events, ${rows.toLocaleString('en-US')} rows shipped incl. lineage), batch ${BATCH ?? 'default'}, median of ${RUNS}`);
  console.log(`  wall ${m.s.toFixed(1)} s: ${Math.round(rows / m.s).toLocaleString('en-US')} rows/s; 10M events: ${((m.s * 1e7) / N).toFixed(0)} s here`);
  console.log(`  shipper CPU ${m.cpu.toFixed(1)} s (${((m.cpu * 1e6) / rows).toFixed(2)} µs/row, ${Math.round(rows / m.cpu).toLocaleString('en-US')} rows per CPU-second); clickhouse-server CPU ${m.server.toFixed(1)} s (${((m.server * 1e6) / rows).toFixed(2)} µs/row)`);
} finally {
  await ch.destroy();
}
