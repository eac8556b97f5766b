import { afterEach, expect, it } from 'vitest';
import { readdirSync, readlinkSync } from 'node:fs';
import { type Engine, type NativeSession } from '../../src/engine/index.js';
import { u32 } from '../../src/engine/kernel-filters.js';
import { loadLayouts, parseFilters } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, waitFor } from '../helpers/kernel.js';
import { startSession } from './kernel-session.js';

// probe_filters is a map of one-entry maps (bpf/lib/filter.h): each filter
// change is a fresh inner map swapped in whole, which the addon does behind
// mapUpdate/mapLookup, in force when mapUpdate returns (the kernel's grace
// period is waited out on another thread).

const native = (e: Engine) => (e as unknown as { native: NativeSession }).native;
const pf = loadLayouts().structs.probe_filter!;
const field = (entry: Buffer, name: string) => entry[pf.members[name]!.offset];
const mapFds = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-map';
    } catch {
      return false; // closed while listing
    }
  }).length;

describeKernel('the per-probe filter slots on the real kernel', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('reads back the whole filter in force after each change, and keeps no fd per change', async () => {
    const s = startSession(opensnoop, ['comm=first']);
    close = () => s.engine.close();
    const key = u32(probeId(opensnoop));
    const read = () => native(s.engine).mapLookup('probe_filters', key)!;
    expect(read()).toHaveLength(pf.size);
    expect(field(read(), 'active')).toBe(1);
    expect(field(read(), 'comm_mode')).toBe(1);
    expect(field(read(), 'uid_mode')).toBe(0);

    const fds = mapFds();
    for (let i = 0; i < 40; i++) s.engine.setFilters(opensnoop, parseFilters([i % 2 ? 'comm=first' : 'uid!=0'], [opensnoop]));
    // Each swap's fd is closed once its grace period is over (on a thread of its own; the
    // attach's may still be open when `fds` was counted).
    await waitFor(() => mapFds() <= fds, 5000, 'the swapped-in maps to be handed to the kernel');
    s.engine.setFilters(opensnoop, parseFilters(['uid!=0'], [opensnoop]));
    expect(field(read(), 'uid_mode')).toBe(2);
    expect(field(read(), 'comm_mode')).toBe(0);
    expect(field(read(), 'active')).toBe(1);
  });

  it('a value of the wrong size is refused and the filter in force stays', () => {
    const s = startSession(opensnoop, ['comm=first']);
    close = () => s.engine.close();
    const key = u32(probeId(opensnoop));
    const before = native(s.engine).mapLookup('probe_filters', key)!;
    expect(() => native(s.engine).mapUpdate('probe_filters', key, Buffer.alloc(pf.size + 1))).toThrow(/probe_filters value size/);
    expect(native(s.engine).mapLookup('probe_filters', key)).toEqual(before);
  });

  it('a detach turns the filter off in place: only `active` changes, and a wider in-place write is refused', () => {
    const s = startSession(opensnoop, ['comm=first']);
    close = () => s.engine.close();
    const key = u32(probeId(opensnoop));
    const n = native(s.engine);
    const on = n.mapLookup('probe_filters', key)!;
    const wider = Buffer.from(on);
    wider[pf.members.active!.offset] = 0;
    wider[pf.members.comm_mode!.offset] = 0;
    expect(() => n.mapUpdateInPlace('probe_filters', key, wider)).toThrow(/more than one byte/);
    expect(n.mapLookup('probe_filters', key)).toEqual(on);

    s.engine.detach(opensnoop);
    const off = n.mapLookup('probe_filters', key)!;
    expect(field(off, 'active')).toBe(0);
    const rest = Buffer.from(off);
    rest[pf.members.active!.offset] = 1;
    expect(rest).toEqual(on);
  });

  it('a slot no probe holds reads as none', () => {
    const s = startSession(opensnoop, []);
    close = () => s.engine.close();
    expect(native(s.engine).mapLookup('probe_filters', u32(probeId(opensnoop)))).not.toBeNull();
    expect(native(s.engine).mapLookup('probe_filters', u32(0))).toBeNull();
  });
});
