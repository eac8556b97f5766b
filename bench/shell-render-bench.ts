// The shell's frames alone, without a kernel or tmux: the real Shell (ink,
// React, the model) over a fake engine fed 100k open events/s in batches of
// 1000 every 10 ms, rendering into a 160x40 fake terminal. CPU time
// (process.cpuUsage), not wall time, so a busy machine moves it little:
//   - ingest only (the model fed, nothing rendered): CPU ms/s
//   - with frames: CPU ms/s, frames/s, and CPU ms per frame = the difference / frames
//   - typing 20 keys/s on top: CPU ms per key, and the in-process echo (key in -> a frame holding it) p50/p95
//
//   node_modules/.bin/tsx bench/shell-render-bench.ts [--seconds 5] [--max-fps 1000] [--json FILE]
// (--max-fps: the ink option src/tui/app.ts passes; give the one of the build you compare with.)
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

// React's production build, as the shipped shell runs it (set before React loads).
process.env.NODE_ENV = 'production';
const { render } = await import('ink');
const { createElement } = await import('react');
const { Shell } = await import('../src/tui/shell/Shell.js');
const { ShellModel } = await import('../src/tui/shell/shell-model.js');
const { FakeEngine, openEvent } = await import('../test/tui/fake-engine.js');
// as src/tui/app.ts does (a build without it has no such module: ink's own per-frame memo then)
const shared = await import('../src/tui/ink-line-cache.js').then((m) => m.shareInkLineCache(), () => false);
type FakeEngine = InstanceType<typeof FakeEngine>;

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(arg('seconds', '5'));
const MAX_FPS = Number(arg('max-fps', '1000'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))]!;

let n = 0;
const batch = () => Array.from({ length: 1000 }, () => openEvent({ pid: 1000 + (n % 5000), comm: 'ebbstorm', path: `/tmp/ebpfsh-bench/target-${n++}` }));
const feedFor = async (engine: FakeEngine, ms: number, during?: () => Promise<void>) => {
  const t = setInterval(() => engine.emit(batch()), 10);
  await Promise.all([sleep(ms), during?.()]);
  clearInterval(t);
};

// 1. ingest only
{
  const engine = new FakeEngine();
  const model = new ShellModel({ engine, historyFile: null, procRoot: '/nonexistent-proc' });
  model.subscribe(() => {});
  await feedFor(engine, 1000);
  const c0 = cpuMs();
  await feedFor(engine, SECONDS * 1000);
  var ingestPerS = (cpuMs() - c0) / SECONDS;
  model.dispose();
}

// 2. with frames, then typing
class FakeTty extends EventEmitter {
  isTTY = true;
  columns = 160;
  rows = 40;
  bytes = 0;
  onWrite: (s: string) => void = () => {};
  write(s: string) {
    this.bytes += s.length;
    this.onWrite(s);
    return true;
  }
}
class FakeStdin extends EventEmitter {
  isTTY = true;
  chunks: string[] = [];
  setRawMode() {}
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
  read() {
    return this.chunks.shift() ?? null;
  }
  type(s: string) {
    this.chunks.push(s);
    this.emit('readable');
  }
}
const engine = new FakeEngine();
const model = new ShellModel({ engine, historyFile: null, procRoot: '/nonexistent-proc' });
const stdout = new FakeTty();
const stdin = new FakeStdin();
let frames = 0;
const app = render(createElement(Shell, { model }), {
  stdout: stdout as never,
  stdin: stdin as never,
  stderr: new FakeTty() as never,
  exitOnCtrlC: false,
  patchConsole: false,
  maxFps: MAX_FPS,
  onRender: () => frames++,
});
await feedFor(engine, 1000);
let c0 = cpuMs();
let f0 = frames;
await feedFor(engine, SECONDS * 1000);
const framedPerS = (cpuMs() - c0) / SECONDS;
const fps = (frames - f0) / SECONDS;

/** Types 20 keys/s for `ms` (`:` then 20 letters, Escape, again); each key's in-process echo: key in -> a frame holding it. */
async function typeFor(ms: number): Promise<number[]> {
  const echo: number[] = [];
  let typed = '';
  stdin.type(':');
  await sleep(50);
  const end = performance.now() + ms - 200;
  while (performance.now() < end) {
    if (typed.length >= 20) {
      stdin.type('\x1b');
      await sleep(60);
      stdin.type(':');
      await sleep(50);
      typed = '';
    }
    typed += 'abcdefghijklmnopqrstuvwxyz'[echo.length % 26]!;
    const want = new RegExp(`\\n:${typed} *\\n`);
    const sent = performance.now();
    await new Promise<void>((r) => {
      const t = setTimeout(r, 2000); // not seen: counted as 2 s
      stdout.onWrite = (s) => {
        if (s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').match(want)) {
          clearTimeout(t);
          r();
        }
      };
      stdin.type(typed.at(-1)!);
    });
    echo.push(performance.now() - sent);
    await sleep(50);
  }
  stdin.type('\x1b');
  await sleep(100);
  return echo;
}
const echo = await (async () => {
  let e: number[] = [];
  await feedFor(engine, SECONDS * 1000, async () => void (e = await typeFor(SECONDS * 1000)));
  return e;
})();

// the same keys over a table that stands still (no new events): what a key's frame costs alone
await sleep(500);
c0 = cpuMs();
f0 = frames;
const t0 = performance.now();
const stillEcho = await typeFor(SECONDS * 1000);
const stillMs = performance.now() - t0;
const stillCpu = cpuMs() - c0;
const stillFrames = frames - f0;
const idle = await (async () => {
  const c = cpuMs();
  await sleep(1000);
  return cpuMs() - c;
})();
app.unmount();
model.dispose();
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
console.log(`shell frames over 100k events/s (fake engine, 160x40, ink maxFps ${MAX_FPS}${shared ? ', shared line memo' : ''}; CPU time; load ${loadavg().map(f2).join(' ')}):`);
console.log(`  ingest only      ${f1(ingestPerS)} CPU ms/s`);
console.log(`  with frames      ${f1(framedPerS)} CPU ms/s at ${f1(fps)} frames/s: ${f2((framedPerS - ingestPerS) / fps)} CPU ms per frame`);
console.log(`  typing 20 keys/s under the events: echo in-process p50 ${f1(pct(echo, 0.5))} ms p95 ${f1(pct(echo, 0.95))} ms (${echo.length} keys)`);
console.log(`  a key's frame over a still table: ${f2((stillCpu - (idle * stillMs) / 1000) / stillFrames)} CPU ms (${stillFrames} frames for ${stillEcho.length} keys; echo p50 ${f1(pct(stillEcho, 0.5))} ms)`);
const JSON_OUT = arg('json', '');
if (JSON_OUT)
  writeFileSync(
    JSON_OUT,
    JSON.stringify({
      ingestCpuMsPerS: ingestPerS,
      eventFrameCpuMs: (framedPerS - ingestPerS) / fps,
      eventFramesPerS: fps,
      keyFrameCpuMs: (stillCpu - (idle * stillMs) / 1000) / stillFrames,
      echo: { n: echo.length, p50: pct(echo, 0.5), p95: pct(echo, 0.95) },
      load: loadavg()[0],
    }) + '\n',
  );
process.exit(0);
