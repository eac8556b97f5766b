// What `ebpfsh info`'s users line costs: the per-uid count over every probe
// table beside the per-table counts info already made, on a capture of N
// events (generated once through the real Recorder, cached in bench/.cache).
//   npx tsc -p tsconfig.json && node bench/info-users-bench.mjs [events=1000000]
// Printed: CPU ms (process.cpuUsage, robust to a shared machine's noise),
// median of 5, of reader.info() and of reader.userCounts(), whether they
// read uid_summary (schema 6), and what building uid_summary costs at stop
// (timed in a transaction rolled back: the cached capture is unchanged).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 1_000_000);
const CACHE = join(HERE, '.cache');
const CAPTURE = join(CACHE, `info-users-${N}.db`);

async function generate() {
  const { Recorder } = await import('../dist/store/index.js');
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, '.gitignore'), '*\n');
  const tmp = `${CAPTURE}.partial`;
  rmSync(tmp, { force: true });
  const rec = Recorder.create(tmp, undefined, { toolVersion: 'bench', commandLine: ['ebpfsh', 'record'], reserveBytes: 0, maxQueueRows: 1 << 22 });
  await rec.whenReady();
  const t0 = Number(process.hrtime.bigint());
  for (let i = 0; i < N; ) {
    const batch = [];
    for (let k = 0; k < 4096 && i < N; k++, i++) {
      const pid = 10_000 + (i % 500);
      const uid = [0, 1000, 1000, 1000, 33, 65534][i % 6];
      const path = `/usr/lib/x86_64-linux-gnu/lib${i % 300}.so`;
      batch.push({ ts: t0 + i * 5000, kind: 0, pid, tid: pid, ppid: 900, uid, gid: uid, cgroup: 1, pidns: 4026531836, nspid: pid, comm: 'bench', probe: 'opensnoop', fields: { ret: 3, path, raw_path: path, flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 } });
    }
    rec.record(batch);
    while (rec.stats().queued > 400_000) await new Promise((r) => setTimeout(r, 5));
  }
  await rec.stop('bench');
  renameSync(tmp, CAPTURE);
}

function cpuMs(f) {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

if (!existsSync(CAPTURE)) await generate();
const { CaptureReader } = await import('../dist/store/index.js');
const r = CaptureReader.open(CAPTURE);
const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const info = [];
const users = [];
for (let k = 0; k < 5; k++) {
  info.push(cpuMs(() => r.info()));
  users.push(cpuMs(() => r.userCounts()));
}
const summarized = r.usersSummarized;
r.close();

// The stop's cost: uid_summary built again over the same rows, inside a transaction that is rolled back.
const { default: Database } = await import('better-sqlite3');
const { buildUidSummarySql } = await import('../dist/store/summaries.js');
const build = [];
const db = new Database(CAPTURE);
for (let k = 0; k < 3; k++) {
  db.exec('BEGIN');
  try {
    db.exec("DELETE FROM uid_summary; DELETE FROM summaries WHERE name = 'uid_summary'");
    build.push(cpuMs(() => { for (const sql of buildUidSummarySql()) db.exec(sql); }));
  } finally {
    db.exec('ROLLBACK');
  }
}
db.close();
console.log(`info users bench: ${N.toLocaleString('en-US')} events (uid_summary ${summarized ? 'used' : 'absent or stale: raw scan'})`);
console.log(`  reader.info() (per-table counts, losses): ${med(info).toFixed(0)} ms CPU, median of 5`);
console.log(`  reader.userCounts() (the users line):      ${med(users).toFixed(0)} ms CPU, median of 5`);
console.log(`  building uid_summary at stop:              ${med(build).toFixed(0)} ms CPU, median of 3`);
