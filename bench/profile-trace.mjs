// Profiles `ebpfsh trace` in steady state: runs the real trace command and
// starts the V8 CPU profiler only after the probes are attached (a profiler
// started earlier sends SIGPROF during the BPF load, which the verifier
// answers with EAGAIN). Prints the top functions by self and inclusive time.
//
//   node bench/profile-trace.mjs SECONDS PROBES [filters...] > /dev/null
//   PROFILE_RECORD=/tmp/x.db node bench/profile-trace.mjs ...   profiles `ebpfsh record -w /tmp/x.db` instead
// (the main thread only: the capture writer thread is measured by bench/writer-bench.mjs).
// Start a workload after the "profiling" line on stderr.
import inspector from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runTrace } = await import(path.join(root, 'dist/commands/trace-command.js'));
const { installSignals } = await import(path.join(root, 'dist/commands/signals.js'));
const { Engine } = await import(path.join(root, 'dist/engine/index.js'));
const [secs, probes, ...filters] = process.argv.slice(2);

const session = new inspector.Session();
session.connect();
setTimeout(async () => {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  process.stderr.write('profiling\n');
  setTimeout(async () => {
    const { profile } = await session.post('Profiler.stop');
    report(profile);
    process.kill(process.pid, 'SIGINT');
  }, Number(secs) * 1000);
}, 1500);
const signals = installSignals((e) => { throw e; });
if (process.env.PROFILE_RECORD) {
  const { runRecord } = await import(path.join(root, 'dist/commands/record-command.js'));
  await runRecord(probes, filters, { write: process.env.PROFILE_RECORD, version: 'profile', signals, newEngine: () => new Engine() });
} else await runTrace(probes, filters, { signals, newEngine: () => new Engine() });

function report(p) {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const k = key(nodes.get(id));
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set();
    for (let j = id; j !== undefined; j = parent.get(j)) {
      const kk = key(nodes.get(j));
      if (!seen.has(kk)) incl.set(kk, (incl.get(kk) ?? 0) + dt), seen.add(kk);
    }
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const top = (m, title) => {
    process.stderr.write(`--- ${title} (of ${(total / 1000).toFixed(0)} ms)\n`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 22))
      process.stderr.write(`${(v / 1000).toFixed(1).padStart(8)} ms ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  };
  top(self, 'self');
  top(incl, 'inclusive');
}
