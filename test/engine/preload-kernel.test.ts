import { afterEach, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type Backend, type LoadOptions, type TraceEvent } from '../../src/engine/index.js';
import { nativeBackend } from '../../src/engine/native.js';
import { parseFilters } from '../../src/event/index.js';
import { PROBES } from '../../src/probes/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';

/** The real addon, counting the loads that run the verifier on the JS thread (a maps-only load runs none). */
function countingBackend(): Backend & { syncLoads: () => number } {
  const real = nativeBackend();
  let loads = 0;
  return {
    ...real,
    syncLoads: () => loads,
    createSession() {
      const s = real.createSession();
      return new Proxy(s, {
        get(t, k) {
          const v = Reflect.get(t, k) as unknown;
          if (typeof v !== 'function') return v;
          if (k !== 'load') return v.bind(t);
          return (path: string, opts: LoadOptions) => {
            if (opts.programs.length) loads++;
            return t.load(path, opts);
          };
        },
      });
    },
  };
}

/** BPF programs this process holds (each loaded program is one anon-inode fd). */
function programFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-prog') n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const pinned = () => (existsSync('/sys/fs/bpf') ? readdirSync('/sys/fs/bpf').sort() : []);

describeKernel('probes loaded ahead at start (real kernel)', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });

  it('the first attach of a preloaded probe uses its spare and reports each event once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-preload-'));
    const comm = `pl${process.pid % 100000}`;
    const sh = join(dir, comm);
    copyFileSync('/bin/dash', sh);
    const backend = countingBackend();
    const engine = new Engine({ keepSpares: true, backend });
    cleanup.push(() => engine.close(), () => rmSync(dir, { recursive: true, force: true }));
    const events: TraceEvent[] = [];
    engine.onEvents((e) => events.push(...e));
    engine.preload([opensnoop]);
    await waitFor(() => engine.hasSpare(opensnoop), 30_000, 'the preload to land');
    // loaded, not attached: nothing of the probe is emitted
    const before = await run(sh, ['-c', ': < /etc/hostname']);

    engine.attach(opensnoop, parseFilters([`comm=${comm}`], [opensnoop]));
    expect(backend.syncLoads()).toBe(0);
    expect(engine.hasSpare(opensnoop)).toBe(false);
    const n = 50;
    const r = await run(sh, ['-c', `i=0; while [ $i -lt ${n} ]; do : < /etc/hostname; i=$((i+1)); done; : < /etc/passwd`]);
    await waitFor(() => events.find((e) => e.pid === r.pid && e.fields.path === '/etc/passwd'), 10_000, 'the last open');
    expect(events.filter((e) => e.pid === r.pid && e.fields.path === '/etc/hostname')).toHaveLength(n);
    expect(events.filter((e) => e.pid === before.pid)).toHaveLength(0);
    expect(events.every((e) => e.comm === comm)).toBe(true);
  });

  it('closing while probes load ahead leaves no program loaded and nothing pinned', async () => {
    const baseline = programFds();
    const pins = pinned();
    const engine = new Engine({ keepSpares: true });
    engine.preload(PROBES);
    // one landed, the next one in flight
    await waitFor(() => PROBES.some((p) => engine.hasSpare(p)), 30_000, 'a first preload');
    expect(programFds()).toBeGreaterThan(baseline);
    engine.close();
    // the load in flight lands into a closed session, which closes it
    await waitFor(() => programFds() === baseline, 30_000, 'every program closed');
    expect(pinned()).toEqual(pins);
  });
});
