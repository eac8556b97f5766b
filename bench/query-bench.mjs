#!/usr/bin/env node
// The documented forensic queries on a 10M-event capture (issue 16): each
// timed inside a running reader (CaptureReader.query, its query process
// already started: the shell's and replay's `:query`) and as a whole
// `ebpfsh query` process (start, open, validate, query, print), next to the
// targets (100 ms and 250 ms). Not a test.
//
//   npx tsc -p tsconfig.json && node bench/query-bench.mjs [events=10000000] [runs=5]
//
// The capture comes from bench/replay-bench.mjs's generator (the real
// Recorder: writer thread, chain, finalize with indexes and summaries), kept
// in $EBPFSH_BENCH_CACHE (default /tmp/ebpfsh-query-bench; ~1.4 GiB for 10M)
// and deleted at the end unless --keep; EBPFSH_BENCH_BUILD=DIR measures the
// build in DIR (a checkout of an earlier commit) on the same capture. --summaries-cost copies the capture,
// drops its summaries (the capture as a reader that has none sees it) and
// times building them again: the finalize time they cost.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 10_000_000);
const RUNS = Number(args[1] ?? 5);
const KEEP = process.argv.includes('--keep');
const CACHE = process.env.EBPFSH_BENCH_CACHE ?? '/tmp/ebpfsh-query-bench';
const CAPTURE = join(CACHE, `replay-${N}.db`);
// EBPFSH_BENCH_BUILD: the checkout whose build is measured (e.g. one of the commit before, for a before/after).
const BUILD = process.env.EBPFSH_BENCH_BUILD ?? ROOT;
const BIN = join(BUILD, 'bin/ebpfsh');
const IN_READER_MS = 100;
const PROCESS_MS = 250;

mkdirSync(CACHE, { recursive: true, mode: 0o700 });
if (!existsSync(CAPTURE)) {
  const r = spawnSync(process.execPath, [join(BUILD, 'bench', 'replay-bench.mjs'), String(N), '--generate-only'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, EBPFSH_BENCH_CACHE: CACHE } });
  if (r.status !== 0) throw new Error('generating the capture failed');
}

const { CaptureReader } = await import(join(BUILD, 'dist/store/index.js'));
const reader = CaptureReader.open(CAPTURE);
const middle = (await reader.query('SELECT pid FROM processes ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM processes)')).rows[0][0];

const QUERIES = [
  ['the process floor: SELECT 1', 'SELECT 1'],
  ['lineage of one process (docs example)', `SELECT depth, ancestor_pid, ancestor_comm FROM lineage WHERE pid = ${middle} ORDER BY depth`],
  ['files_per_process (docs example)', 'SELECT pid, comm, opens, failed FROM files_per_process ORDER BY opens DESC LIMIT 10'],
  ['files_per_process, all columns, top 20', 'SELECT * FROM files_per_process ORDER BY opens DESC LIMIT 20'],
  ['connections_per_process, top 20', 'SELECT * FROM connections_per_process ORDER BY connects DESC LIMIT 20'],
  ['listeners', 'SELECT * FROM listeners'],
  ['inbound_per_process', 'SELECT * FROM inbound_per_process'],
  ['exec_binaries of one process', `SELECT ts, pid, exe, sha256, binary_outcome FROM exec_binaries WHERE pid = ${middle}`],
  ['opens of one process (WHERE pid = ?)', `SELECT ts, path, ret FROM open WHERE pid = ${middle}`],
  ['the look-back journal rows (docs example)', "SELECT ts, action, probe, filters FROM journal WHERE detail LIKE 'look-back%'"],
  ['ring_evicted losses (docs example)', "SELECT probe, sum(count) FROM losses WHERE cause = 'ring_evicted' GROUP BY probe"],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of one query inside the running reader (its query process warm). */
async function inReader(sql) {
  await reader.query(sql, { timeoutMs: 600_000, maxRows: 1_000_000 });
  const ms = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    rows = (await reader.query(sql, { timeoutMs: 600_000, maxRows: 1_000_000 })).rows.length;
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), min: Math.min(...ms), rows };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Median and least wall ms of a fresh process (the least is the run the
 * machine's other work disturbed least), and its median CPU ms (user +
 * system, GNU time: the process itself and the children it waited for; a
 * query process an older build kills at exit is not counted).
 */
function timed(argv) {
  const ms = [];
  const cpu = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const p = TIME ? spawnSync(TIME, ['-f', 'cpu %U %S', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 }) : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
    ms.push(performance.now() - t);
    if (p.status !== 0) throw new Error(`${argv.join(' ')} failed: ${p.stderr}`);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(p.stderr);
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { ms: median(ms), min: Math.min(...ms), cpu: cpu.length ? median(cpu) : NaN };
}

/** `ebpfsh query` as a fresh process, csv to a pipe. */
function asProcess(sql) {
  return timed([BIN, 'query', CAPTURE, sql, '--format', 'csv', '--timeout', '600']);
}

const size = statSync(CAPTURE).size;
const info = reader.info();
const summaries = (await reader.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '%\\_summary' ESCAPE '\\'")).rows.map((r) => r[0]);
console.log(`query bench: ${CAPTURE}, ${(size / 2 ** 20).toFixed(0)} MiB (${size.toLocaleString('en-US')} bytes), ${N.toLocaleString('en-US')} events, schema ${info.schemaVersion}, summary tables: ${summaries.length ? summaries.join(', ') : 'none'}`);
console.log(`  median (least) of ${RUNS}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; in-reader = CaptureReader.query with its query process running (the shell's :query); process = \`ebpfsh query\` from start to exit, csv to a pipe`);
const bare = timed([process.execPath, '-e', '0']);
console.log(`  the machine's own floor, \`node -e 0\`: ${bare.ms.toFixed(0)} (${bare.min.toFixed(0)}) ms wall, ${bare.cpu.toFixed(0)} ms CPU`);
console.log(`  ${'query'.padEnd(44)} ${'in-reader'.padStart(20)} ${'target'.padStart(7)} ${'process'.padStart(18)} ${'target'.padStart(7)} ${'CPU'.padStart(8)}  rows`);
let met = 0;
for (const [name, sql] of QUERIES) {
  const a = await inReader(sql);
  const b = asProcess(sql);
  const ok = a.ms <= IN_READER_MS && b.ms <= PROCESS_MS;
  if (ok) met++;
  console.log(`  ${name.padEnd(44)} ${`${a.ms.toFixed(1)} (${a.min.toFixed(1)}) ms`.padStart(20)} ${`${IN_READER_MS}`.padStart(7)} ${`${b.ms.toFixed(0)} (${b.min.toFixed(0)}) ms`.padStart(18)} ${`${PROCESS_MS}`.padStart(7)} ${`${b.cpu.toFixed(0)} ms`.padStart(8)}  ${a.rows}${ok ? '' : '  (over)'}`);
}
console.log(`  ${met} of ${QUERIES.length} queries within both targets (medians); load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
reader.close();

if (process.argv.includes('--summaries-cost')) {
  // The finalize time of the summaries: built again on a copy without them, as finalize builds them.
  const { dropSummariesForBench, buildSummaries } = await import(join(BUILD, 'dist/store/summaries.js')).catch(() => ({}));
  if (!buildSummaries) console.log('  summaries: this build has none');
  else {
    const copy = join(CACHE, 'summaries-cost.db');
    copyFileSync(CAPTURE, copy);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(copy);
    dropSummariesForBench(db);
    db.exec('VACUUM');
    const without = statSync(copy).size;
    const t = performance.now();
    const cpu = process.cpuUsage();
    db.transaction(() => buildSummaries(db))();
    const c = process.cpuUsage(cpu);
    const ms = performance.now() - t;
    db.close();
    console.log(`  summaries: ${((size - without) / 2 ** 20).toFixed(1)} MiB of the ${(size / 2 ** 20).toFixed(0)} MiB capture (${(((size - without) / without) * 100).toFixed(1)}%); built at finalize in ${(ms / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} CPU-s`);
    rmSync(copy, { force: true });
  }
}

if (!KEEP) rmSync(CAPTURE, { force: true });
