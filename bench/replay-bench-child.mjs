#!/usr/bin/env node
// One fresh replay process for bench/replay-bench.mjs: opens the capture as
// `ebpfsh replay` does (validate, info, stream, model, first screen), seeks
// to the middle, plays at max speed for 3 s, and prints JSON figures.
import { readFileSync } from 'node:fs';

const hwmKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
process.env.NODE_ENV = 'production';
const { openReplay } = await import('../dist/tui/replay/replay-app.js');
const { CaptureReader } = await import('../dist/store/index.js');
const baseRssKb = Math.round(process.memoryUsage().rss / 1024);
// the capture is the last argument (bench/replay-bench.mjs runs this through bin/ebpfsh's text: `replay FILE`)
const path = process.argv.at(-1);

const t0 = performance.now();
const r = openReplay(path);
const firstScreenMs = performance.now() - t0;
const shown = r.model.window.rows().length;

const s = r.source;
const mid = (s.span().startNs + s.span().endNs) / 2;
const t1 = performance.now();
await s.seek(mid);
r.model.flush();
const seekMs = performance.now() - t1;
const middlePid = r.model.window.rows().at(r.model.window.rows().length - 1)?.event.pid ?? 1;

s.setSpeed(Infinity);
s.setPlaying(true);
const before = s.shown;
const cpu0 = process.cpuUsage();
const t2 = performance.now();
while (performance.now() - t2 < 3000) {
  s.tick();
  r.model.flush();
  await new Promise((res) => setImmediate(res));
}
const eventsPerSec = ((s.shown - before) * 1000) / (performance.now() - t2);
const cpu = process.cpuUsage(cpu0);
// CPU per event: robust to a shared machine where events/s is not
const usPerEvent = (cpu.user + cpu.system) / Math.max(1, s.shown - before);
r.close();

const t3 = performance.now();
CaptureReader.open(path).close();
const openMs = performance.now() - t3;
process.stdout.write(JSON.stringify({ firstScreenMs, usPerEvent, shown, openMs, seekMs, middlePid, eventsPerSec, peakRssKb: hwmKb(), baseRssKb, node: [...process.execArgv, ...Object.keys(process.env).filter((k) => k.startsWith('MALLOC_')).map((k) => `${k}=${process.env[k]}`)].join(' ') }) + '\n');
