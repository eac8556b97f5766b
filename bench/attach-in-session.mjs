// Attach latency inside a running session: with an Engine already open (node
// started, reader running, another probe attached), how long from calling
// attach('opensnoop') to the first event for a file a trickle workload keeps
// opening? This is what the shell's `:attach` will cost.
//
//   node bench/attach-in-session.mjs STORM_BIN TARGET_PATH REPS
// Prints one JSON line: {"attach_ms":[...], "first_event_ms":[...], "first": {...}}.
//
// attach_ms/first_event_ms: REPS attaches in one session (the first loads,
// later ones use the spare a detach leaves). first: the FIRST attach of the
// probe in each of FIRST_REPS fresh sessions, as the shell starts them (every
// probe loaded ahead, Engine.preload; ATTACH_NO_PRELOAD=1 for the load on the
// JS thread it replaces), measured once that probe's load ahead has landed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Engine } = await import(path.join(root, 'dist/engine/index.js'));
const { planTrace, attachAll } = await import(path.join(root, 'dist/commands/trace-command.js'));

const [storm, target, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 3);
// keepSpares as the shell runs it: a detached probe stays loaded, unattached, for its next :attach.
const engine = new Engine({ keepSpares: process.env.ATTACH_NO_SPARES ? false : true });
// A warm session: node loaded, the reader thread running, one probe attached.
attachAll(engine, planTrace('execsnoop', []));

// One open of TARGET every 1 ms for at most 60 s.
const trickle = spawn(storm, ['open', target, '-i', '1000', '-t', '120'], { stdio: 'ignore' });
const stopAll = () => {
  trickle.kill('SIGTERM');
  engine.close();
};
// (engine.close() is idempotent: the fresh sessions below close their own)
process.on('exit', stopAll);

let waiting;
const onEvents = (events) => {
  if (!waiting) return;
  for (const e of events) {
    if (e.probe === 'opensnoop' && e.fields.path === target) {
      const w = waiting;
      waiting = undefined;
      w(performance.now());
      return;
    }
  }
};
engine.onEvents(onEvents);

const attachMs = [];
const firstEventMs = [];
const open = planTrace('open', []);
for (let i = 0; i < reps; i++) {
  const first = new Promise((resolve, reject) => {
    waiting = resolve;
    setTimeout(() => reject(new Error('no event within 10 s')), 10_000).unref();
  });
  const t0 = performance.now();
  attachAll(engine, open);
  attachMs.push(performance.now() - t0);
  firstEventMs.push((await first) - t0);
  for (const p of open.probes) engine.detach(p);
  // long enough for the spare to load off the JS thread (a responder does not re-attach within a second)
  await new Promise((r) => setTimeout(r, 2000));
}
engine.close();

// The first attach in fresh sessions.
const preload = !process.env.ATTACH_NO_PRELOAD;
const first = { preload, attach_ms: [], first_event_ms: [], preload_wait_ms: [] };
for (let i = 0; i < Number(process.env.FIRST_REPS ?? 5); i++) {
  const e = new Engine({ keepSpares: true });
  e.onEvents(onEvents);
  attachAll(e, planTrace('execsnoop', []));
  const w0 = performance.now();
  if (preload) {
    e.preload();
    while (!open.probes.every((p) => e.hasSpare(p))) await new Promise((r) => setTimeout(r, 5));
  }
  first.preload_wait_ms.push(performance.now() - w0);
  const got = new Promise((resolve, reject) => {
    waiting = resolve;
    setTimeout(() => reject(new Error('no event within 10 s')), 10_000).unref();
  });
  const t0 = performance.now();
  attachAll(e, open);
  first.attach_ms.push(performance.now() - t0);
  first.first_event_ms.push((await got) - t0);
  e.close();
}
process.stdout.write(JSON.stringify({ attach_ms: attachMs, first_event_ms: firstEventMs, first }) + '\n');
stopAll();
process.exit(0);
