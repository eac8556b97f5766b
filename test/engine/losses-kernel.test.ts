import { afterEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, ProbeError, type NativeSession } from '../../src/engine/index.js';
import { BPF_BUILD_DIR, parseFilters } from '../../src/event/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession } from './kernel-session.js';

const ADDON = join(import.meta.dirname, '../../native/build/Release/ebpfsh_native.node');

/** A copy of dash under a unique name, so comm= isolates this test's workload. */
function uniqueShell(tag: string): { bin: string; comm: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-loss-'));
  const comm = `${tag}${process.pid % 10000}${Date.now() % 1000}`.slice(0, 15);
  const bin = join(dir, comm);
  copyFileSync('/bin/dash', bin);
  return { bin, comm, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const opens = (n: number) => ['-c', `i=0; while [ $i -lt ${n} ]; do : < /etc/hostname; i=$((i+1)); done`];
const native = (e: Engine) => (e as unknown as { native: NativeSession }).native;
/** Our own fds that are BPF objects (maps, programs, links), by kind. */
function bpfFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const l = readlinkSync(`/proc/self/fd/${fd}`);
      if (/bpf/.test(l)) out.push(l);
    } catch {
      // closed while listing
    }
  }
  return out.sort();
}

describeKernel('losses add up on the real kernel', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });

  it('a batch callback that throws does not leak the reader budget: later events still arrive', async () => {
    const sh = uniqueShell('thr');
    const s = startSession(opensnoop, [`comm=${sh.comm}`], { maxPendingBytes: 256 * 1024, flushMs: 5 });
    cleanup.push(() => s.engine.close(), sh.cleanup);
    const engine = s.engine as unknown as { onBatch(b: Buffer): void };
    const real = engine.onBatch.bind(engine);
    engine.onBatch = () => {
      throw new Error('thrown into the reader');
    };
    await run(sh.bin, opens(3000));
    await waitFor(() => (native(s.engine).stats()?.callbackErrors ?? 0) > 0, 5000, 'a callback error to be counted');
    await waitFor(() => native(s.engine).stats()?.pendingBytes === 0, 5000, 'the budget to come back');
    engine.onBatch = real;
    // With the budget leaked (as it was), every record from here on was dropped as queue_overflow.
    const overflowBefore = s.engine.counters()[0]!.losses.queue_overflow;
    const r = await run(sh.bin, opens(500));
    await waitFor(() => s.events.filter((e) => e.pid === r.pid).length >= 500, 5000, 'events after the throws');
    expect(s.engine.counters()[0]!.losses.queue_overflow).toBe(overflowBefore);
  });

  it('drain() hands over everything the ring held before it resolves', async () => {
    const sh = uniqueShell('drn');
    const s = startSession(opensnoop, [`comm=${sh.comm}`]);
    cleanup.push(() => s.engine.close(), sh.cleanup);
    s.engine.pauseReader(true);
    await sleep(30);
    const r = await run(sh.bin, opens(400));
    s.engine.pauseReader(false);
    expect(await s.engine.drain()).toBe(true);
    // 400 reads of /etc/hostname, plus the loader's own opens of the shell.
    expect(s.events.filter((e) => e.pid === r.pid && String(e.fields.path).endsWith('hostname')).length).toBe(400);
  });

  it('closing the engine drops nothing: what was still in the kernel ring reaches the listeners', async () => {
    const sh = uniqueShell('cls');
    const s = startSession(opensnoop, [`comm=${sh.comm}`]);
    cleanup.push(sh.cleanup);
    s.engine.pauseReader(true);
    await sleep(30);
    const r = await run(sh.bin, opens(400));
    s.engine.close();
    expect(await s.engine.drain()).toBe(true);
    expect(s.events.filter((e) => e.pid === r.pid && String(e.fields.path).endsWith('hostname')).length).toBe(400);
    expect(s.engine.counters()[0]!.losses.ringbuf_full).toBe(0);
  });

  it('a child process inherits none of the addon fds (all close-on-exec)', async () => {
    // What a child inherits, by kind (pipe:[123] -> pipe:[]), before and after the addon made its fds.
    const inherited = async () => {
      const r = await run('/bin/sh', ['-c', 'for f in /proc/self/fd/*; do readlink "$f"; done']);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/\[\d+\]/, '[]')).sort();
    };
    const before = await inherited();
    const s = startSession(opensnoop, ['comm=nobody-here']);
    cleanup.push(() => s.engine.close());
    expect(bpfFds().length).toBeGreaterThan(0);
    const after = await inherited();
    expect(after.filter((l) => /bpf|eventpoll|perf_event/.test(l))).toEqual([]);
    expect(after).toEqual(before);
  });

  it('a failed reader start releases its function: node still exits by itself', async () => {
    const script = `
      const a = require(${JSON.stringify(ADDON)});
      const s = new a.Session();
      s.load(${JSON.stringify(BPF_BUILD_DIR + 'opensnoop.bpf.o')}, { programs: [], shared: ['events', 'probe_filters'] });
      try { s.start('probe_filters', () => {}, { flushMs: 10, maxPendingBytes: 1 << 20, probeIdOffset: 16 }); } catch (e) { console.log('start failed:', e.code); }
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    clearTimeout(killer);
    expect(out).toMatch(/start failed: E/);
    expect(code).toBe(0);
  });

  it('a negative CPU count is an error, not a huge allocation', () => {
    const a = createRequire(import.meta.url)(ADDON) as { percpuValueBytes(v: number, c: number): number; possibleCpus(): number };
    expect(a.possibleCpus()).toBeGreaterThan(0);
    expect(a.percpuValueBytes(8, 2)).toBe(16);
    expect(() => a.percpuValueBytes(8, -22)).toThrow(/possible cpus/);
  });

  it('more filter values than the kernel map holds: a clear error, and no program, link or map left behind', () => {
    const engine = new Engine();
    cleanup.push(() => engine.close());
    const before = bpfFds().filter((l) => /link|prog/.test(l));
    const pids = Array.from({ length: 5000 }, (_, i) => i + 1).join(',');
    expect(() => engine.attach(opensnoop, parseFilters([`pid=${pids}`], [opensnoop]))).toThrow(ProbeError);
    expect(engine.attachments()).toHaveLength(0);
    expect(bpfFds().filter((l) => /link|prog/.test(l))).toEqual(before);
    // And the probe still attaches with a filter that fits.
    engine.attach(opensnoop, parseFilters(['pid=1'], [opensnoop]));
    expect(engine.attachments()).toHaveLength(1);
  });

  it('a filter flipping back and forth never lets through a process that neither filter admits', async () => {
    const sh = uniqueShell('flp');
    const s = startSession(opensnoop, ['comm=nobody-here']);
    cleanup.push(() => s.engine.close(), sh.cleanup);
    // Neither `comm=nobody-here` nor `comm!=<the workload>` admits the workload; a mix
    // of the two (the workload's entry in the set while the mode still says include) would.
    const child = spawn(sh.bin, opens(2_000_000), { stdio: 'ignore' });
    const a = parseFilters(['comm=nobody-here'], [opensnoop]);
    const b = parseFilters([`comm!=${sh.comm}`], [opensnoop]);
    for (let flips = 0; flips < 150; flips++) {
      s.engine.setFilters(opensnoop, flips % 2 ? a : b);
      if (flips % 25 === 0) await sleep(0);
    }
    expect(child.exitCode).toBeNull(); // the workload ran the whole time
    child.kill('SIGKILL');
    await s.engine.drain();
    expect(s.events.filter((e) => e.pid === child.pid)).toEqual([]);
  }, 60_000);
});
